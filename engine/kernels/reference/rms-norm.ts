/**
 * THE SPEC of RMSNorm (wgsl/rms-norm-program.ts), float64 on host arrays: x [rows, n] row-major, w [n].
 * Forward: y = x · r · w with r = 1/√(mean(x²) + ε). Backward (to x; the norm weights are frozen):
 * dx = r · (w ⊙ dy) − x · r³ · mean(w ⊙ dy ⊙ x).
 */
export function referenceRmsNorm(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, eps: number): Float64Array {
  const n = w.length;
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const inv = invRms(x, r * n, n, eps);
    for (let j = 0; j < n; j++) out[r * n + j] = x[r * n + j]! * inv * w[j]!;
  }
  return out;
}

export function referenceRmsNormGrad(x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, rows: number, eps: number): Float64Array {
  const n = w.length;
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const inv = invRms(x, base, n, eps);
    let dot = 0;
    for (let j = 0; j < n; j++) dot += w[j]! * dy[base + j]! * x[base + j]!;
    const c = (inv ** 3 * dot) / n;
    for (let j = 0; j < n; j++) out[base + j] = inv * w[j]! * dy[base + j]! - x[base + j]! * c;
  }
  return out;
}

function invRms(x: ArrayLike<number>, base: number, n: number, eps: number): number {
  let sumSq = 0;
  for (let j = 0; j < n; j++) sumSq += x[base + j]! ** 2;
  return 1 / Math.sqrt(sumSq / n + eps);
}
