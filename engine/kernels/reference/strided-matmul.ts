import type { StridedMatMulShape } from '../wgsl/strided-matmul-program';

/**
 * THE SPEC of the strided matmul (wgsl/strided-matmul-program.ts), float64 on host arrays:
 * C[i, j] = alpha · Σ_k a[aOff + q·aRowShift + p·aColShift + i'·as0 + k·as1] · b[bOff + q·bRowShift + p·bColShift +
 * k·bs0 + j'·bs1] + c[i·cs0 + j·cs1] (the last term only with an addend), C [m, n] row-major, where q = ⌊i / rowBlock⌋,
 * i' = i − q·rowBlock, p = ⌊j / colBlock⌋, j' = j − p·colBlock (one block, q = p = 0, without blocks).
 */
export function referenceStridedMatMul(s: StridedMatMulShape, a: ArrayLike<number>, b: ArrayLike<number>, c?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(s.m * s.n);
  const [as0, as1] = s.aStrides;
  const [bs0, bs1] = s.bStrides;
  const aOff = s.aOffset ?? 0;
  const bOff = s.bOffset ?? 0;
  const rows = s.rowBlocks ?? { size: s.m, aShift: 0, bShift: 0 };
  const cols = s.colBlocks ?? { size: s.n, aShift: 0, bShift: 0 };
  for (let i = 0; i < s.m; i++) {
    const q = Math.floor(i / rows.size);
    for (let j = 0; j < s.n; j++) {
      const p = Math.floor(j / cols.size);
      const aBase = aOff + q * rows.aShift + p * cols.aShift + (i - q * rows.size) * as0;
      const bBase = bOff + q * rows.bShift + p * cols.bShift + (j - p * cols.size) * bs1;
      let sum = 0;
      for (let k = 0; k < s.k; k++) sum += a[aBase + k * as1]! * b[bBase + k * bs0]!;
      let v = s.alpha * sum;
      if (c !== undefined && s.cStrides) v += c[i * s.cStrides[0] + j * s.cStrides[1]]!;
      out[i * s.n + j] = v;
    }
  }
  return out;
}
