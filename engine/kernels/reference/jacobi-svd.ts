/** Thin SVD A = U·diag(S)·Vᵀ of an m×n matrix, r = min(m, n), singular values descending. */
export interface Svd {
  U: Float64Array; // m×r row-major, orthonormal columns (a column whose σ is exactly 0 is left 0)
  S: Float64Array; // r, descending
  V: Float64Array; // n×r row-major, orthonormal columns
  r: number;
}

/**
 * One-sided (Hestenes) Jacobi SVD in float64: rotates column pairs of A until all are orthogonal; the column norms
 * are then the singular values. Slow (O(m·n²) per sweep) but accurate to working precision even for tiny singular
 * values, which makes it the ground truth for the subspace iteration's tests and the bench.
 */
export function jacobiSvd(a: ArrayLike<number>, m: number, n: number): Svd {
  if (m < n) {
    const t = transpose(a, m, n);
    const { U, S, V, r } = jacobiSvd(t, n, m);
    return { U: V, S, V: U, r };
  }
  const w = Float64Array.from(a as ArrayLike<number>); // m×n, columns get orthogonalised in place
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p]!;
          const y = w[i * n + q]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p]!;
          const y = w[i * n + q]!;
          w[i * n + p] = c * x - s * y;
          w[i * n + q] = s * x + c * y;
        }
        for (let i = 0; i < n; i++) {
          const x = v[i * n + p]!;
          const y = v[i * n + q]!;
          v[i * n + p] = c * x - s * y;
          v[i * n + q] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let sq = 0;
    for (let i = 0; i < m; i++) sq += w[i * n + j]! ** 2;
    return Math.sqrt(sq);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y]! - norms[x]! || x - y);
  const U = new Float64Array(m * n);
  const V = new Float64Array(n * n);
  const S = new Float64Array(n);
  order.forEach((src, dst) => {
    const sigma = norms[src]!;
    S[dst] = sigma;
    for (let i = 0; i < m; i++) U[i * n + dst] = sigma > 0 ? w[i * n + src]! / sigma : 0;
    for (let i = 0; i < n; i++) V[i * n + dst] = v[i * n + src]!;
  });
  return { U, S, V, r: n };
}

function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t;
}
