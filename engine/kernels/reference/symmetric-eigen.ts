/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan §8.5), in float64.
 * Used for the Rayleigh-Ritz step: k ≤ 16, so O(k³) per sweep is nothing. Returns eigenvalues in input order
 * (unsorted) and the eigenvectors as the columns of a k×k row-major matrix.
 */
export function symmetricEigen(h: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(h);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < k; p++) {
      diag += a[p * k + p]! * a[p * k + p]!;
      for (let q = p + 1; q < k; q++) off += a[p * k + q]! * a[p * k + q]!;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) rotate(a, v, k, p, q);
    }
  }
  const values = new Float64Array(k);
  for (let i = 0; i < k; i++) values[i] = a[i * k + i]!;
  return { values, vectors: v };
}

/** One Jacobi rotation zeroing a[p][q] (a symmetric, both triangles kept), accumulated into v's columns. */
export function rotate(a: Float64Array, v: Float64Array, k: number, p: number, q: number): void {
  const apq = a[p * k + q]!;
  if (apq === 0) return;
  const theta = (a[q * k + q]! - a[p * k + p]!) / (2 * apq);
  // t = tan of the rotation angle, the smaller root (|angle| ≤ π/4) for stability; t → 0 when θ overflows.
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let r = 0; r < k; r++) {
    const arp = a[r * k + p]!;
    const arq = a[r * k + q]!;
    a[r * k + p] = c * arp - s * arq;
    a[r * k + q] = s * arp + c * arq;
  }
  for (let r = 0; r < k; r++) {
    const apr = a[p * k + r]!;
    const aqr = a[q * k + r]!;
    a[p * k + r] = c * apr - s * aqr;
    a[q * k + r] = s * apr + c * aqr;
  }
  for (let r = 0; r < k; r++) {
    const vrp = v[r * k + p]!;
    const vrq = v[r * k + q]!;
    v[r * k + p] = c * vrp - s * vrq;
    v[r * k + q] = s * vrp + c * vrq;
  }
}
