import { COLLAPSE_TOL } from '../spf-types';

/**
 * Orthonormalises the k columns of q (L×k, row-major, in place) by classical Gram-Schmidt applied twice per column
 * (CGS2: "twice is enough" for orthogonality to working precision, and each pass is one reduction on the GPU).
 * A column left with norm ≤ COLLAPSE_TOL has no direction of its own: it is replaced by `replacement(l, j)`,
 * orthogonalised again, and zeroed if even that collapses. Columns already zero count as absent, not as directions.
 */
export function orthonormalizeColumns(q: Float64Array, L: number, k: number, replacement: (l: number, j: number) => number): void {
  const column = new Float64Array(L);
  for (let j = 0; j < k; j++) {
    for (let l = 0; l < L; l++) column[l] = q[l * k + j]!;
    let norm = orthogonalizeAgainstPrevious(q, column, L, k, j);
    if (norm <= COLLAPSE_TOL) {
      for (let l = 0; l < L; l++) column[l] = replacement(l, j);
      norm = orthogonalizeAgainstPrevious(q, column, L, k, j);
    }
    const scale = norm <= COLLAPSE_TOL ? 0 : 1 / norm;
    for (let l = 0; l < L; l++) q[l * k + j] = column[l]! * scale;
  }
}

/** Two classical Gram-Schmidt passes of `column` against q's columns 0..j-1; returns the remaining norm. */
function orthogonalizeAgainstPrevious(q: Float64Array, column: Float64Array, L: number, k: number, j: number): number {
  const dots = new Float64Array(j);
  for (let pass = 0; pass < 2; pass++) {
    dots.fill(0);
    for (let l = 0; l < L; l++) for (let i = 0; i < j; i++) dots[i]! += q[l * k + i]! * column[l]!;
    for (let l = 0; l < L; l++) {
      let v = column[l]!;
      for (let i = 0; i < j; i++) v -= dots[i]! * q[l * k + i]!;
      column[l] = v;
    }
  }
  let sq = 0;
  for (let l = 0; l < L; l++) sq += column[l]! * column[l]!;
  return Math.sqrt(sq);
}
