import * as tf from '@tensorflow/tfjs';
import { matMulTransposedB } from './frozen-matmul';
import { SafeTuneError } from '../errors';

/**
 * A [vocab, hidden] matrix (embed_tokens, lm_head) as row chunks, each small enough for one storage-buffer binding:
 * WebGPU refuses to bind a buffer larger than the device's `maxStorageBufferBindingSize` (128 MiB on many adapters,
 * while Qwen2.5's embedding alone is 544 MB in float32). A single tensor is a one-chunk matrix, which is what small
 * models (and the demo's trainable embedding) use.
 */
export type VocabMatrix = tf.Tensor2D | readonly tf.Tensor2D[];

export function vocabChunks(m: VocabMatrix): readonly tf.Tensor2D[] {
  return Array.isArray(m) ? m : [m as tf.Tensor2D];
}

/** Rows per chunk so that a [rows, hidden] float32 chunk fits in `maxBytes`, balanced so chunks differ by ≤ 1 row. */
export function vocabChunkRows(vocab: number, hidden: number, maxBytes: number): number {
  const fit = Math.floor(maxBytes / (hidden * 4));
  if (fit < 1) {
    throw new SafeTuneError('gpu', `one row of ${hidden} floats does not fit the device's ${maxBytes}-byte storage binding`, 'use a GPU with larger buffer limits');
  }
  const chunks = Math.ceil(vocab / fit);
  return Math.ceil(vocab / chunks);
}

/** Uploads host rows [vocab, hidden] as chunks of at most `rowsPerChunk` rows (one tensor when they all fit). */
export function uploadVocabMatrix(data: Float32Array, vocab: number, hidden: number, rowsPerChunk: number): VocabMatrix {
  if (rowsPerChunk >= vocab) return tf.tensor2d(data, [vocab, hidden]);
  const chunks: tf.Tensor2D[] = [];
  for (let start = 0; start < vocab; start += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, vocab - start);
    chunks.push(tf.tensor2d(data.subarray(start * hidden, (start + rows) * hidden), [rows, hidden]));
  }
  return chunks;
}

/**
 * Rows `ids` of the chunked matrix: [N] → [N, hidden]. Each chunk gathers the ids that fall in it (others read its
 * row 0 and are zeroed by a mask), so no op ever binds more than one chunk.
 */
export function gatherRows(m: VocabMatrix, ids: tf.Tensor1D): tf.Tensor2D {
  const chunks = vocabChunks(m);
  if (chunks.length === 1) return tf.gather(chunks[0]!, ids);
  return tf.tidy(() => {
    let out: tf.Tensor2D | undefined;
    let start = 0;
    for (const chunk of chunks) {
      const rows = chunk.shape[0];
      const local = tf.sub(ids, tf.scalar(start, 'int32')); // [N], int32
      const inside = tf.logicalAnd(tf.greaterEqual(local, 0), tf.less(local, rows)); // [N]
      const picked = tf.gather(chunk, tf.where(inside, local, tf.zerosLike(local))); // [N, hidden]
      const part = tf.mul(picked, tf.expandDims(tf.cast(inside, 'float32'), 1)) as tf.Tensor2D;
      out = out === undefined ? part : (tf.add(out, part) as tf.Tensor2D);
      start += rows;
    }
    return out!;
  });
}

/** Rows over all chunks: the vocabulary size. */
export function vocabSize(chunks: readonly tf.Tensor2D[]): number {
  return chunks.reduce((n, c) => n + c.shape[0], 0);
}

/**
 * h · Wᵀ over every chunk: [N, hidden] → [N, vocab]. The output is one tensor, so it must itself fit one binding:
 * `maxBytes` guards it (generation and `cli logits` take a few rows; the training loss goes through chunkedNll).
 */
export function projectRows(h: tf.Tensor2D, m: VocabMatrix, maxBytes: number): tf.Tensor2D {
  const chunks = vocabChunks(m);
  if (chunks.length === 1) return matMulTransposedB(h, chunks[0]!);
  const vocab = vocabSize(chunks);
  const bytes = h.shape[0] * vocab * 4;
  if (bytes > maxBytes) {
    throw new SafeTuneError(
      'gpu',
      `logits of ${h.shape[0]} positions × ${vocab} tokens (${bytes} bytes) exceed the device's ${maxBytes}-byte storage binding`,
      'ask for fewer positions at once (the training loss computes its logits chunk by chunk)',
    );
  }
  return tf.tidy(() => tf.concat(chunks.map((c) => matMulTransposedB(h, c)), 1) as tf.Tensor2D);
}
