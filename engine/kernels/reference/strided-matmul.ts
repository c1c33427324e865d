import type { StridedMatMulShape } from '../wgsl/strided-matmul-program';

/**
 * THE SPEC of the strided matmul (wgsl/strided-matmul-program.ts), float64 on host arrays:
 * C[i, j] = alpha · Σ_k a[aOff + i·as0 + k·as1] · b[bOff + k·bs0 + j·bs1] + c[i·cs0 + j·cs1] (the last term only with
 * an addend), C [m, n] row-major.
 */
export function referenceStridedMatMul(s: StridedMatMulShape, a: ArrayLike<number>, b: ArrayLike<number>, c?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(s.m * s.n);
  const [as0, as1] = s.aStrides;
  const [bs0, bs1] = s.bStrides;
  const aOff = s.aOffset ?? 0;
  const bOff = s.bOffset ?? 0;
  for (let i = 0; i < s.m; i++) {
    for (let j = 0; j < s.n; j++) {
      let sum = 0;
      for (let k = 0; k < s.k; k++) sum += a[aOff + i * as0 + k * as1]! * b[bOff + k * bs0 + j * bs1]!;
      let v = s.alpha * sum;
      if (c !== undefined && s.cStrides) v += c[i * s.cStrides[0] + j * s.cStrides[1]]!;
      out[i * s.n + j] = v;
    }
  }
  return out;
}
