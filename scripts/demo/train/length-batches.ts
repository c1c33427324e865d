import { IGNORE_INDEX, type TokenBatch } from '../../../engine/model/loss';
import type { Rng } from '../rng';
import type { EncodedRow } from './encode-row';

/** How rows become batches. */
export interface BatchingOptions {
  batchSize: number; // rows per batch
  batchesPerChunk: number; // length-sorting window, in batches
  lengthMultiple: number; // batch lengths are padded up to a multiple of this (few distinct shapes, see padBatch)
}

/**
 * Rows (in training order) → right-padded batches. Rows are taken `batchesPerChunk` batches at a time and sorted by
 * length inside the chunk, so a batch holds rows of similar length and little compute goes to padding; the chunk's
 * batches are then shuffled so short and long batches alternate. A final partial batch is dropped.
 */
export function lengthBatches(rows: readonly EncodedRow[], o: BatchingOptions, padId: number, rng: Rng): TokenBatch[] {
  const { batchSize, batchesPerChunk } = o;
  const batches: TokenBatch[] = [];
  const chunkRows = batchSize * batchesPerChunk;
  for (let start = 0; start + batchSize <= rows.length; start += chunkRows) {
    const chunk = rows.slice(start, Math.min(start + chunkRows, rows.length));
    const sorted = [...chunk].sort((a, b) => a.ids.length - b.ids.length);
    const chunkBatches: TokenBatch[] = [];
    for (let i = 0; i + batchSize <= sorted.length; i += batchSize) chunkBatches.push(padBatch(sorted.slice(i, i + batchSize), padId, o.lengthMultiple));
    batches.push(...rng.shuffle(chunkBatches));
  }
  return batches;
}

/**
 * Rows → one right-padded batch (pad ids carry no label), its length rounded up to a multiple of `lengthMultiple`.
 * Why round: tfjs-webgpu compiles pipelines per tensor shape, so every distinct batch length costs a round of shader
 * compiles (seconds on a software GPU) and cache memory; a few fixed lengths make a few shapes.
 */
export function padBatch(rows: readonly EncodedRow[], padId: number, lengthMultiple = 1): TokenBatch {
  const longest = Math.max(...rows.map((r) => r.ids.length));
  const seqLen = Math.ceil(longest / lengthMultiple) * lengthMultiple;
  const ids = new Int32Array(rows.length * seqLen).fill(padId);
  const labels = new Int32Array(rows.length * seqLen).fill(IGNORE_INDEX);
  rows.forEach((r, b) => {
    ids.set(r.ids, b * seqLen);
    labels.set(r.labels, b * seqLen);
  });
  return { ids, labels, batchSize: rows.length, seqLen };
}
