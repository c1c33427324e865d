/**
 * THE SPEC of RoPE's kernel (wgsl/rope-program.ts), float64 on host arrays: x [rows, D], row r at position
 * offset + r mod T, tables cos / sin [maxLen, D] (HF layout: the same frequencies in both halves).
 * Forward: y_i = x_i·cos_i + r_i·sin_i with r = rotate_half(x) = (−x_{D/2..D}, x_{0..D/2}).
 * Backward: dx = dy·cos + rotate_halfᵀ(dy·sin), rotate_halfᵀ(z) = (z_{D/2..D}, −z_{0..D/2}).
 */
export interface RopeLayout {
  T: number;
  D: number;
  offset: number;
}

export function referenceRope(x: ArrayLike<number>, cos: ArrayLike<number>, sin: ArrayLike<number>, l: RopeLayout, backward = false): Float64Array {
  const { T, D, offset } = l;
  const half = D / 2;
  const out = new Float64Array(x.length);
  for (let idx = 0; idx < x.length; idx++) {
    const row = Math.floor(idx / D);
    const i = idx % D;
    const tab = (offset + (row % T)) * D + i;
    const partner = backward
      ? i < half ? x[idx + half]! * sin[tab + half]! : -x[idx - half]! * sin[tab - half]!
      : (i < half ? -x[idx + half]! : x[idx - half]!) * sin[tab]!;
    out[idx] = x[idx]! * cos[tab]! + partner;
  }
  return out;
}
