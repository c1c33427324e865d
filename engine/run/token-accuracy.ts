import * as tf from '@tensorflow/tfjs';
import { matMulTransposedB } from '../model/frozen-matmul';
import type { TokenizedExample } from '../data/types';
import type { CausalLM } from '../model/causal-lm';
import { lossTargets } from '../model/loss';
import { vocabChunks } from '../model/vocab-chunks';
import { toBatch } from '../train/batcher';

/**
 * Greedy token accuracy: the share of trained positions whose most likely next token (the argmax of the logits) is the
 * label — what TRL's SFTTrainer logs as mean_token_accuracy. The logits are walked tile by tile (row blocks × the
 * lm_head's vocabulary chunks, each tile at most `model.logitsTileBytes()`), keeping a running maximum and its index,
 * so a 150k-token vocabulary never materialises [N, vocab]. Undefined when there is no trained position.
 * One read-back per batch.
 */
export async function tokenAccuracy(model: CausalLM, examples: readonly TokenizedExample[], batchSize: number, maxLength: number, padId: number): Promise<number | undefined> {
  let hits = 0;
  let count = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const rows = examples.slice(i, i + batchSize).map((e) => ({ ids: e.ids.slice(0, maxLength), labels: e.labels.slice(0, maxLength) }));
    const batch = toBatch(rows, Math.max(...rows.map((r) => r.ids.length)), padId);
    const { rows: positions, targets } = lossTargets(batch);
    if (positions.length === 0) continue;
    const correct = tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.batchSize, batch.seqLen], 'int32');
      const h = model.hidden(ids).reshape([batch.batchSize * batch.seqLen, model.config.hiddenSize]) as tf.Tensor2D;
      const picked = tf.gather(h, tf.tensor1d(positions, 'int32')) as tf.Tensor2D; // [N, D]
      const predicted = argmaxOverChunks(picked, vocabChunks(model.weights.lmHead), model.logitsTileBytes()); // [N]
      return tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(targets, 'int32')), 'int32'));
    });
    hits += (await correct.data())[0]!; // sync point: one read per batch
    correct.dispose();
    count += positions.length;
  }
  return count === 0 ? undefined : hits / count;
}

/** argmaxᵥ(hᵢ·W_v) for each row of h [N, D], W in vocabulary chunks [c, D]; ties go to the lowest token id. */
export function argmaxOverChunks(h: tf.Tensor2D, chunks: readonly tf.Tensor2D[], tileBytes: number): tf.Tensor1D {
  const [n, d] = h.shape;
  const widest = Math.max(...chunks.map((c) => c.shape[0]));
  const blockRows = Math.max(1, Math.floor(tileBytes / (widest * 4)));
  const blocks: tf.Tensor1D[] = [];
  for (let r0 = 0; r0 < n; r0 += blockRows) {
    const rn = Math.min(blockRows, n - r0);
    blocks.push(
      tf.tidy(() => {
        const xb = h.slice([r0, 0], [rn, d]);
        let bestValue: tf.Tensor1D | undefined;
        let bestIndex: tf.Tensor1D | undefined;
        let offset = 0;
        for (const c of chunks) {
          const logits = matMulTransposedB(xb, c); // [rn, c] — one tile
          const value = tf.max(logits, -1) as tf.Tensor1D;
          const index = tf.add(tf.argMax(logits, -1), offset) as tf.Tensor1D;
          if (bestValue === undefined || bestIndex === undefined) {
            bestValue = value;
            bestIndex = index;
          } else {
            const better = tf.greater(value, bestValue); // strictly: an earlier chunk keeps a tie
            bestIndex = tf.where(better, index, bestIndex) as tf.Tensor1D;
            bestValue = tf.maximum(value, bestValue) as tf.Tensor1D;
          }
          offset += c.shape[0];
        }
        return bestIndex!;
      }),
    );
  }
  if (blocks.length === 1) return blocks[0]!;
  const all = tf.concat(blocks) as tf.Tensor1D;
  for (const b of blocks) b.dispose();
  return all;
}
