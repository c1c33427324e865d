import { SafeTuneError } from '../errors';
import { shapeGroups } from '../train/flat-layout';
import { longerSide } from '../kernels/block-geometry';
import { cappedDirections, MAX_K, type SubspaceSide } from '../kernels/spf-types';
import { packedRows } from '../kernels/wgsl/subspace-iteration-program';

/** A run of same-shape LoRA blocks that SPF's kernels process as one stack [nb, rows, cols] (one dispatch each). */
export interface BlockGroupLayout {
  key: string; // "rows x cols #chunk"
  indices: number[]; // positions in adapter.variables()
  rows: number;
  cols: number;
  side: SubspaceSide; // the longer side (SPF.md step 3)
  L: number; // its length
  /** Subspace size: k per anchor, N anchors stacked (SPF.md step 3), capped at L, at N·(shorter side) and at MAX_K. */
  k: number;
  /** Columns the power iteration carries (≥ k): see iterationWidth. */
  kIter: number;
}

/**
 * The power iteration's width for a top-k subspace: k plus as many oversampling columns again (capped at the stack's
 * rank bound and MAX_K). Subspace iteration converges at (σ_{kIter+1}/σ_k)^(2t) instead of (σ_{k+1}/σ_k)^(2t): with a
 * gap of only 1.2 between σ_k and σ_{k+1}, 8 iterations of width k leave ~5 % of the subspace wrong, while a LoRA
 * block's whole rank (r = 8 at k = 4) makes it exact after one. The directions past k are only the warm start.
 */
export function iterationWidth(k: number, L: number, rankBound: number): number {
  return Math.min(2 * k, L, rankBound, MAX_K);
}

/**
 * Groups the adapter's blocks by shape, and splits each group into chunks whose largest buffer — the anchors' stacked
 * safety gradients, nb·N·rows·cols f32, or the power iteration's packed output — fits the device's
 * `maxStorageBufferBindingSize` (`maxBindingBytes`; 128 MiB on lavapipe, Infinity off WebGPU). Chunks of one shape are
 * cut evenly, so a 30-block group under a 25-block budget becomes 15 + 15 rather than 25 + 5.
 */
export function layoutBlockGroups(shapes: readonly (readonly number[])[], kPerAnchor: number, anchors: number, maxBindingBytes: number): BlockGroupLayout[] {
  if (anchors < 1) throw new SafeTuneError('bad-argument', 'SPF needs at least one safety anchor');
  shapes.forEach((shape, i) => {
    if (shape.length !== 2) throw new SafeTuneError('bad-shape', `LoRA variable ${i} has shape [${shape.join(', ')}], expected a matrix`);
  });
  const layouts: BlockGroupLayout[] = [];
  // The optimizer's grouping (flat-layout.ts), so that each stack is a contiguous range of its flat chunks.
  for (const { shape, indices } of shapeGroups(shapes)) {
    const [rows, cols] = shape as [number, number];
    const key = `${rows}x${cols}`;
    const side = longerSide(rows, cols);
    const L = side === 'rows' ? rows : cols;
    const rankBound = anchors * Math.min(rows, cols);
    const k = Math.min(cappedDirections(kPerAnchor, anchors), L, rankBound);
    const kIter = iterationWidth(k, L, rankBound);
    // The largest buffer per block: the anchors' stacked gradients, or the power iteration's packed output (its basis,
    // scratch and σ rows at kIter columns, the scratch as long as the stack's short side, rankBound:
    // wgsl/subspace-iteration-program.ts).
    const bytesPerBlock = Math.max(anchors * rows * cols, packedRows(L, rankBound) * kIter) * 4;
    const perChunk = Math.floor(maxBindingBytes / bytesPerBlock);
    if (perChunk < 1) {
      throw new SafeTuneError(
        'gpu',
        `SPF: the ${anchors} stacked safety gradients of one ${rows}×${cols} LoRA block take ${bytesPerBlock} bytes, more than the device's maxStorageBufferBindingSize (${maxBindingBytes})`,
        'use fewer safety anchors or a smaller LoRA rank',
      );
    }
    const chunks = Math.max(1, Math.ceil(indices.length / perChunk));
    let from = 0;
    for (let c = 0; c < chunks; c++) {
      const size = Math.floor(indices.length / chunks) + (c < indices.length % chunks ? 1 : 0);
      layouts.push({ key: `${key}#${c}`, indices: indices.slice(from, from + size), rows, cols, side, L, k, kIter });
      from += size;
    }
  }
  return layouts;
}
