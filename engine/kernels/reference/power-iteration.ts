import { blockGeometry, expectShape, type BlockGeometry } from '../block-geometry';
import { SafeTuneError } from '../../errors';
import { DEFAULT_SEED, MIN_NORM_SQ, ZERO_BLOCK_RTOL, type PowerIterationOptions } from '../spf-types';
import { basisIndex, elementIndex, type HostArray, type HostBlocks } from './host-blocks';
import { checkIters } from '../spf-checks';
import { orthonormalizeColumns } from './orthonormalize';
import { rayleighRitz } from './rayleigh-ritz';
import { seededUniform } from './seeded-uniform';

export interface HostPowerIterationResult {
  U: Float64Array; // [nb, L, k] orthonormal columns, ordered by σ; zero columns for absent directions
  sigma: Float64Array; // [nb, k] singular value estimates, descending; 0 when absent
  normSq: Float64Array; // [nb] ‖G_b‖²_F
  capturedEnergy: Float64Array; // [nb] Σσ² / ‖G_b‖²_F (0 for a zero block)
}

/**
 * THE SPEC of the subspace (block power) iteration, per block b with M = G_b (side 'rows') or G_bᵀ (side 'cols'):
 *   Q ← orth(warm_b) or orth(seeded random);  repeat `iters` times: Q ← orth(M Mᵀ Q / ‖G_b‖²_F);  Rayleigh-Ritz.
 * orth is CGS2 with collapse replacement (orthonormalize.ts); orthonormalisation call c (0 = the start) draws its
 * replacements from round c + 1, the random start from round 0. Scaling by ‖G_b‖²_F changes no direction but keeps
 * f32 iterates at unit scale on the GPU (and makes COLLAPSE_TOL meaningful). Zero blocks (ZERO_BLOCK_RTOL relative to
 * the largest block of the call, or MIN_NORM_SQ) get U = 0, σ = 0. Computed in float64.
 */
export function referencePowerIteration(gs: HostBlocks, warm: HostArray | undefined, opts: PowerIterationOptions): HostPowerIterationResult {
  const g = blockGeometry(gs.shape, opts.side, opts.k, 'gs');
  if (warm !== undefined) expectShape([warm.length], [g.nb * g.L * g.k], 'warm', `a warm start is the previous U, shape [${g.nb}, ${g.L}, ${g.k}]`);
  const iters = opts.iters;
  checkIters(iters);
  const seed = (opts.seed ?? DEFAULT_SEED) >>> 0;
  const { L, S, k } = g;
  const result: HostPowerIterationResult = {
    U: new Float64Array(g.nb * L * k),
    sigma: new Float64Array(g.nb * k),
    normSq: new Float64Array(g.nb),
    capturedEnergy: new Float64Array(g.nb),
  };
  for (let b = 0; b < g.nb; b++) {
    for (let e = 0; e < g.blockSize; e++) result.normSq[b]! += gs.data[b * g.blockSize + e]! ** 2;
  }
  const zeroBelow = Math.max(MIN_NORM_SQ, ZERO_BLOCK_RTOL ** 2 * Math.max(...result.normSq));
  for (let b = 0; b < g.nb; b++) {
    const normSq = result.normSq[b]!;
    if (normSq <= zeroBelow) continue;
    const scale = 1 / Math.sqrt(normSq);
    const q = new Float64Array(L * k);
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < k; j++) q[l * k + j] = warm === undefined ? seededUniform(seed, b, 0, j, l) : warm[basisIndex(g, b, l, j)]!;
    }
    orthonormalizeColumns(q, L, k, (l, j) => seededUniform(seed, b, 1, j, l));
    for (let t = 1; t <= iters; t++) {
      const y = applyM(g, gs.data, b, applyMT(g, gs.data, b, q, scale), scale);
      orthonormalizeColumns(y, L, k, (l, j) => seededUniform(seed, b, t + 1, j, l));
      q.set(y);
    }
    const { w, lambda } = rayleighRitz(applyMT(g, gs.data, b, q, scale), S, k);
    for (let l = 0; l < L; l++) {
      for (let i = 0; i < k; i++) {
        let sum = 0;
        for (let j = 0; j < k; j++) sum += q[l * k + j]! * w[j * k + i]!;
        result.U[basisIndex(g, b, l, i)] = sum;
      }
    }
    let captured = 0;
    for (let i = 0; i < k; i++) {
      result.sigma[b * k + i] = Math.sqrt(lambda[i]! * normSq);
      captured += lambda[i]!;
    }
    result.capturedEnergy[b] = captured;
  }
  return result;
}

/** z = scale · Mᵀ Q (S×k): z[s, j] = scale · Σ_l G(l, s) Q[l, j]. */
function applyMT(g: BlockGeometry, data: HostArray, b: number, q: Float64Array, scale: number): Float64Array {
  const z = new Float64Array(g.S * g.k);
  for (let s = 0; s < g.S; s++) {
    for (let l = 0; l < g.L; l++) {
      const v = data[elementIndex(g, b, l, s)]!;
      for (let j = 0; j < g.k; j++) z[s * g.k + j]! += v * q[l * g.k + j]!;
    }
  }
  for (let e = 0; e < z.length; e++) z[e]! *= scale;
  return z;
}

/** y = scale · M z (L×k): y[l, j] = scale · Σ_s G(l, s) z[s, j]. */
function applyM(g: BlockGeometry, data: HostArray, b: number, z: Float64Array, scale: number): Float64Array {
  const y = new Float64Array(g.L * g.k);
  for (let l = 0; l < g.L; l++) {
    for (let s = 0; s < g.S; s++) {
      const v = data[elementIndex(g, b, l, s)]!;
      for (let j = 0; j < g.k; j++) y[l * g.k + j]! += v * z[s * g.k + j]!;
    }
  }
  for (let e = 0; e < y.length; e++) y[e]! *= scale;
  return y;
}
