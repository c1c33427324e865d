import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import type { CausalLM, ForwardOptions } from './causal-lm';
import { chunkedNll } from './chunked-nll';

/** Label value of a position that is not trained on (PyTorch / HF convention). */
export const IGNORE_INDEX = -100;

/** A batch of token ids with HF-style labels: labels[b][t] is the token at t itself (shifted inside the loss). */
export interface TokenBatch {
  ids: Int32Array; // [B * T] row-major, right-padded
  labels: Int32Array; // [B * T]; IGNORE_INDEX where no loss is taken (prompt, padding)
  batchSize: number;
  seqLen: number;
}

/** Where the loss is taken: rows of the flattened [B*T] hidden states and the token each must predict. */
export function lossTargets(batch: TokenBatch): { rows: Int32Array; targets: Int32Array } {
  const rows: number[] = [];
  const targets: number[] = [];
  const { batchSize: b, seqLen: t, labels } = batch;
  for (let i = 0; i < b; i++) {
    for (let j = 0; j + 1 < t; j++) {
      const label = labels[i * t + j + 1]!;
      if (label !== IGNORE_INDEX) {
        rows.push(i * t + j); // position j predicts token j + 1
        targets.push(label);
      }
    }
  }
  return { rows: Int32Array.from(rows), targets: Int32Array.from(targets) };
}

/**
 * Summed next-token negative log-likelihood over the labelled positions, and how many there are. Only the labelled
 * rows go through lm_head, tile by tile over the vocabulary (chunkedNll), so a 150k-token vocabulary never
 * materialises more than one tile of logits, in the forward pass or the backward.
 * The caller divides by the count (or by a count summed over accumulation micro-batches).
 */
export function nllSum(model: CausalLM, batch: TokenBatch, opts: ForwardOptions = {}): { sum: tf.Scalar; count: number } {
  const { rows, targets } = lossTargets(batch);
  assertInVocabulary(batch, model.config.vocabSize);
  if (rows.length === 0) return { sum: tf.scalar(0), count: 0 };
  const sum = tf.tidy(() => chunkedNll(labelledHidden(model, batch, rows, opts), model.weights.lmHead, targets, model.logitsTileBytes()));
  return { sum, count: rows.length };
}

function assertInVocabulary(batch: TokenBatch, vocabSize: number): void {
  for (const id of batch.ids) {
    if (id < 0 || id >= vocabSize) throw new SafeTuneError('bad-argument', `token id ${id} is outside the vocabulary (size ${vocabSize})`);
  }
}

/** The final hidden states of the labelled positions `rows` (lossTargets): [N, hidden]. */
function labelledHidden(model: CausalLM, batch: TokenBatch, rows: Int32Array, opts: ForwardOptions): tf.Tensor2D {
  const ids = tf.tensor2d(batch.ids, [batch.batchSize, batch.seqLen], 'int32');
  const h = model.hidden(ids, opts); // [B, T, D]
  return pickRows(h.reshape([batch.batchSize * batch.seqLen, model.config.hiddenSize]) as tf.Tensor2D, rows);
}

/** Mean next-token NLL over the labelled positions. */
export function meanNll(model: CausalLM, batch: TokenBatch, opts: ForwardOptions = {}): tf.Scalar {
  const { sum, count } = nllSum(model, batch, opts);
  if (count === 0) return sum;
  return tf.tidy(() => {
    const m = tf.div(sum, count) as tf.Scalar;
    sum.dispose();
    return m;
  });
}

/**
 * The mean next-token NLL of each group of consecutive examples, from one forward pass: group g is the next
 * `groupSizes[g]` rows of the batch, and its loss the token-weighted mean over its labelled positions (what meanNll
 * gives for those rows alone). [G]; a group with no labelled position reads 0. With `opts.perGroupLora` the gradient
 * of their sum is every group's own gradient (SPF's anchors).
 */
export function meanNllPerGroup(model: CausalLM, batch: TokenBatch, groupSizes: readonly number[], opts: ForwardOptions = {}): tf.Tensor1D {
  return tf.tidy(() => {
    const { sums, counts } = nllSumsPerPart(model, batch, groupSizes, opts);
    return tf.stack(sums.map((sum, g) => (counts[g] === 0 ? sum : tf.div(sum, counts[g]!)))) as tf.Tensor1D;
  });
}

/**
 * The summed next-token NLL of each part of consecutive examples, from one forward pass: part p is the next
 * `partSizes[p]` rows of the batch; its sum over its labelled positions, and how many there are (a part without any
 * sums to 0). A folded SPF step (engine/safety/folded-step.ts) weighs the training part and each anchor group apart.
 */
export function nllSumsPerPart(model: CausalLM, batch: TokenBatch, partSizes: readonly number[], opts: ForwardOptions = {}): { sums: tf.Scalar[]; counts: number[] } {
  if (partSizes.reduce((n, g) => n + g, 0) !== batch.batchSize || partSizes.some((g) => !Number.isInteger(g) || g < 1)) {
    throw new SafeTuneError('bad-argument', `nllSumsPerPart: parts of ${partSizes.join(' + ')} examples do not split a batch of ${batch.batchSize}`);
  }
  const { rows, targets } = lossTargets(batch);
  assertInVocabulary(batch, model.config.vocabSize);
  // lossTargets lists rows example by example, so each part's rows are one consecutive run of them.
  const ends: number[] = [];
  let lastExample = 0;
  for (const g of partSizes) {
    lastExample += g;
    const end = rows.findIndex((r) => r >= lastExample * batch.seqLen);
    ends.push(end === -1 ? rows.length : end);
  }
  const counts = ends.map((end, g) => end - (g === 0 ? 0 : ends[g - 1]!));
  if (rows.length === 0) return { sums: partSizes.map(() => tf.scalar(0)), counts };
  const sums = tf.tidy(() => {
    const picked = labelledHidden(model, batch, rows, opts);
    return ends.map((end, g) => {
      const start = g === 0 ? 0 : ends[g - 1]!;
      if (end === start) return tf.scalar(0);
      const part = end - start === rows.length ? picked : (tf.slice(picked, [start, 0], [end - start, -1]) as tf.Tensor2D);
      return chunkedNll(part, model.weights.lmHead, targets.subarray(start, end), model.logitsTileBytes());
    });
  });
  return { sums, counts };
}

/**
 * Rows `rows` (distinct, as labelled positions are) of x [M, D]. Its gradient is a gather as well, from the inverse
 * positions with a zero row for the rows not picked, instead of tf.gather's scatter-add (UnsortedSegmentSum, which
 * took 8.5 ms of a 900 ms bench step on lavapipe).
 */
export function pickRows(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  const [m, d] = x.shape;
  const inverse = new Int32Array(m).fill(rows.length);
  rows.forEach((r, i) => {
    if (inverse[r] !== rows.length) throw new SafeTuneError('bad-argument', `pickRows: row ${r} is picked twice`);
    inverse[r] = i;
  });
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const value = tf.gather(args[0] as tf.Tensor2D, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor): tf.Tensor => tf.gather(tf.concat([dy, tf.zeros([1, d])]), tf.tensor1d(inverse, 'int32'));
    return { value, gradFunc };
  });
  return f(x) as tf.Tensor2D;
}
