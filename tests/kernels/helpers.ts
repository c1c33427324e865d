import { mulberry32 } from '../../engine/util/random';
import { jacobiSvd } from '../../engine/kernels/reference/jacobi-svd';

/** Seeded standard-normal-ish samples (Box-Muller on mulberry32). */
export function randomNormal(n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

/** A random m×n matrix (m ≥ n) with orthonormal columns: the left singular vectors of a Gaussian matrix. */
export function randomOrthonormal(m: number, n: number, seed: number): Float64Array {
  const { U } = jacobiSvd(randomNormal(m * n, seed), m, n);
  return U;
}

/** A rows×cols matrix U·diag(sigma)·Vᵀ with random orthonormal U, V: its spectrum is exactly `sigma`. */
export function matrixWithSpectrum(rows: number, cols: number, sigma: readonly number[], seed: number): Float64Array {
  const r = sigma.length;
  const U = randomOrthonormal(rows, r, seed);
  const V = randomOrthonormal(cols, r, seed + 1);
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let t = 0; t < r; t++) sum += U[i * r + t]! * sigma[t]! * V[j * r + t]!;
      a[i * cols + j] = sum;
    }
  }
  return a;
}

/** Concatenates blocks into one [nb, rows, cols] host array. */
export function stackBlocks(blocks: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(blocks.reduce((n, b) => n + b.length, 0));
  let offset = 0;
  for (const b of blocks) {
    out.set(b, offset);
    offset += b.length;
  }
  return out;
}

/** max |a − b| / scale. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * Subspace overlap ‖AᵀB‖²_F / k of two L×k bases (1 = same span, 0 = orthogonal), of block b in [nb, L, k] arrays.
 * Sign- and rotation-invariant, so it compares subspaces, not particular bases.
 */
export function subspaceOverlap(a: ArrayLike<number>, b: ArrayLike<number>, L: number, k: number, block = 0, kb = k): number {
  let sum = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < kb; j++) {
      let dot = 0;
      for (let l = 0; l < L; l++) dot += a[(block * L + l) * k + i]! * b[(block * L + l) * kb + j]!;
      sum += dot * dot;
    }
  }
  return sum / k;
}

/** Column i of block b of a basis [nb, L, k]. */
export function basisColumn(u: ArrayLike<number>, L: number, k: number, b: number, i: number): Float64Array {
  const out = new Float64Array(L);
  for (let l = 0; l < L; l++) out[l] = u[(b * L + l) * k + i]!;
  return out;
}
