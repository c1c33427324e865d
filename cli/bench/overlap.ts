import * as tf from '@tensorflow/tfjs';
import { powerIteration } from '../../engine/kernels/spf-ops';
import { jacobiSvd } from '../../engine/kernels/reference/jacobi-svd';
import { RANK_RTOL, type SubspaceSide } from '../../engine/kernels/spf-types';
import { DEFAULT_SPF_OPTIONS } from '../../engine/safety/spf-options';
import { iterationWidth } from '../../engine/safety/spf-groups';

/** Blocks whose top-k are separated from the rest by at least this ratio σ_k / σ_{k+1} "allow" a unique subspace. */
export const GAP_FOR_OVERLAP = 1.2;

export interface OverlapResult {
  blocks: number; // blocks compared (those with a non-zero safety gradient)
  gappedBlocks: number; // of those, blocks with σ_k / σ_{k+1} ≥ GAP_FOR_OVERLAP
  worst: number; // min over the gapped blocks of ‖UᵀÛ‖²_F / k' (the issue's target: "when the spectral gap allows it")
  worstAll: number; // min over all blocks (near-ties make any basis of the tie equally good: low overlap, same energy)
  mean: number; // mean over all blocks
  worstEnergyRatio: number; // min over all blocks of (energy our U captures) / (energy the exact top-k' captures)
}

/**
 * Subspace overlap of the power iteration as SPF runs it (default cold iterations, oversampled) with the exact top-k singular vectors (one-sided
 * Jacobi, float64) on real safety-gradient blocks. k' = the directions the exact SVD has above RANK_RTOL·‖G‖ (≤ k),
 * since below that the kernels by design report no direction. The overlap target applies where a spectral gap makes
 * the top-k subspace unique; for near-ties the captured-energy ratio is the meaningful check.
 */
export async function benchOverlap(blocks: readonly tf.Tensor2D[], k: number): Promise<OverlapResult> {
  const overlaps: { value: number; gap: number; energyRatio: number }[] = [];
  for (const block of blocks) {
    const [rows, cols] = block.shape;
    const side: SubspaceSide = rows >= cols ? 'rows' : 'cols';
    const kk = Math.min(k, rows, cols);
    const host = (await block.data()) as Float32Array;
    const norm = Math.sqrt(host.reduce((s, x) => s + x * x, 0));
    if (norm === 0) continue;
    const svd = jacobiSvd(host, rows, cols);
    const exact = side === 'rows' ? svd.U : svd.V; // [L, r]
    const kPrime = Math.min(kk, svd.S.filter((s) => s > RANK_RTOL * norm).length);
    if (kPrime === 0) continue;
    // As SPF runs it: a cold start of its default iterations, oversampled to its iteration width.
    const width = iterationWidth(kk, side === 'rows' ? rows : cols, Math.min(rows, cols));
    const r = powerIteration(block.expandDims(0), undefined, { k: width, side, iters: DEFAULT_SPF_OPTIONS.iters.cold });
    const U = (await r.U.data()) as Float32Array; // [1, L, width]; its first kk columns are SPF's subspace
    const sigma = (await r.sigma.data()) as Float32Array;
    for (const t of [r.U, r.sigma, r.normSq, r.capturedEnergy]) t.dispose();
    let ours = 0;
    let best = 0;
    for (let i = 0; i < kPrime; i++) {
      ours += sigma[i]! * sigma[i]!;
      best += svd.S[i]! * svd.S[i]!;
    }
    const L = side === 'rows' ? rows : cols;
    let sum = 0;
    for (let i = 0; i < kPrime; i++) {
      for (let j = 0; j < kPrime; j++) {
        let d = 0;
        for (let l = 0; l < L; l++) d += U[l * width + i]! * exact[l * svd.r + j]!;
        sum += d * d;
      }
    }
    const gap = kPrime < svd.r ? svd.S[kPrime - 1]! / Math.max(svd.S[kPrime]!, 1e-30) : Infinity;
    overlaps.push({ value: sum / kPrime, gap, energyRatio: ours / best });
  }
  const gapped = overlaps.filter((o) => o.gap >= GAP_FOR_OVERLAP);
  const min = (xs: number[]): number => xs.reduce((a, b) => Math.min(a, b), 1);
  return {
    blocks: overlaps.length,
    gappedBlocks: gapped.length,
    worst: min(gapped.map((o) => o.value)),
    worstAll: min(overlaps.map((o) => o.value)),
    mean: overlaps.reduce((s, o) => s + o.value, 0) / Math.max(1, overlaps.length),
    worstEnergyRatio: min(overlaps.map((o) => o.energyRatio)),
  };
}
