import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../../../engine/model/causal-lm';
import { lossTargets, type TokenBatch } from '../../../engine/model/loss';

/**
 * Summed next-token NLL over a batch's labelled positions, as engine/model/loss.ts's `nllSum`, except that the
 * number of rows sent through lm_head is rounded up to a multiple of `rowBucket` (the extra rows repeat row 0 with
 * weight 0). Why: tfjs-webgpu compiles a new pipeline for every new tensor shape, and the count of labelled tokens
 * differs in every batch — with nllSum each training step would compile its lm_head kernels afresh (seconds each on
 * a software GPU, and the pipeline cache grows without bound). Padded, a whole training run uses a handful of shapes.
 * A test holds it to nllSum. `firstTokenWeight` (default 1: plain nllSum) scales the loss of each row's first labelled
 * token; `weight` is the summed weight, the divisor of a weighted mean.
 */
export function bucketedNllSum(
  model: CausalLM,
  batch: TokenBatch,
  rowBucket: number,
  firstTokenWeight = 1,
): { sum: tf.Scalar; count: number; weight: number } {
  const { rows, targets } = lossTargets(batch);
  const n = rows.length;
  const padded = Math.max(rowBucket, Math.ceil(n / rowBucket) * rowBucket);
  const v = model.config.vocabSize;
  const rowIdx = new Int32Array(padded); // padding rows read row 0 ...
  const target = new Int32Array(padded);
  const weight = new Float32Array(padded); // ... and count with weight 0
  let totalWeight = 0;
  let lastBatchRow = -1;
  for (let i = 0; i < n; i++) {
    rowIdx[i] = rows[i]!;
    target[i] = targets[i]!;
    // lossTargets lists each batch row's labelled positions in order, so the first of a row is its answer's first
    // token: where a chat model decides between answering and refusing.
    const batchRow = Math.floor(rows[i]! / batch.seqLen);
    weight[i] = batchRow !== lastBatchRow ? firstTokenWeight : 1;
    lastBatchRow = batchRow;
    totalWeight += weight[i]!;
  }
  const sum = tf.tidy(() => {
    const ids = tf.tensor2d(batch.ids, [batch.batchSize, batch.seqLen], 'int32');
    const h = model.hidden(ids); // [B, T, D]
    const flat = h.reshape([batch.batchSize * batch.seqLen, model.config.hiddenSize]);
    const picked = tf.gather(flat, tf.tensor1d(rowIdx, 'int32')) as tf.Tensor2D; // [P, D]
    const logits = model.project(picked); // [P, V]
    const lse = tf.logSumExp(logits, -1); // [P]
    // The target logit as a one-hot dot product rather than a gather from the flattened logits: the same value, but
    // its gradient is a multiply. tfjs-cpu's gather gradient (unsortedSegmentSum) loops over every one of the P·V
    // segments, which made a CPU training step take minutes.
    const targetLogits = tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(target, 'int32'), v)), -1); // [P]
    return tf.sum(tf.mul(tf.sub(lse, targetLogits), tf.tensor1d(weight))) as tf.Scalar;
  });
  return { sum, count: n, weight: totalWeight };
}
