import * as tf from '@tensorflow/tfjs';

/**
 * LoRA matrices that differ per group of a batch's examples, so that one backward pass gives each group its own
 * gradient (SPF's anchors: their gradients are stacked to widen the safety subspace, so each must stay separate).
 * G groups' copies sit side by side along the rank: A [G·r, in] (group g's A in rows g·r … g·r + r − 1) and
 * B [out, G·r] (its B in those columns), with `mask` [rows, G·r] the adapter's scale s = α / r where a row of the batch
 * belongs to the group of that column block, else 0. A row then computes ((x Aᵀ) ⊙ mask) Bᵀ = its own group's
 * s · (x A_gᵀ) B_gᵀ, and no other group's copy touches it: the gradient with respect to group g's block of A / B is the
 * gradient of group g's loss alone. Two plain 2-D products per projection, G times wider in the rank than one adapter's (cheap
 * next to the frozen product): batched per-group products ([G, T, in]·[G, in, r]) run on slower paths in tfjs-wasm
 * and cost WebGPU more dispatches.
 */
export interface PerGroupLora {
  /**
   * [rows of the batch (B·T), G·r]: the adapter's scale α / r where the row's group owns the column, else 0
   * (groupMask). With `shared`, groups that all have `groupRows` rows go without.
   */
  mask?: tf.Tensor2D;
  modules: ReadonlyMap<string, { A: tf.Tensor2D; B: tf.Tensor2D }>; // by HF module path
  /**
   * When set, `modules` are value-less slots and every group computes with the adapter's own A and B (its current
   * values, which is all SPF's anchors need): the projection runs as the adapter's, and only the gradients with
   * respect to the slots separate the groups (shared-group-lora.ts).
   */
  shared?: { scale: number; modules: ReadonlyMap<string, { A: tf.Tensor2D; B: tf.Tensor2D }> };
  /**
   * With `shared`: the batch's first `trainRows` rows are a training micro-batch whose gradient goes to the adapter's
   * own A and B, and only the rows after them belong to the groups (folded-lora.ts; the mask is 0 on the training
   * rows).
   */
  trainRows?: number;
  /**
   * With `shared`: the rows of every group, where all groups have as many (the slots' gradients then need no mask:
   * shared-group-lora.ts, folded-lora.ts). With `trainRows` they are the rows after the training rows.
   */
  groupRows?: number;
}

/**
 * ((x Aᵀ) ⊙ mask) Bᵀ: x [N, in], A [G·r, in], B [out, G·r], mask [N, G·r] (scale folded in) → [N, out]. The scale rides
 * in the mask, built once per pass, rather than in a multiplication per projection.
 */
export function perGroupLoraDelta(x: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const down = tf.mul(tf.matMul(x, a, false, true), mask); // [N, G·r]
    return tf.matMul(down, b, false, true);
  });
}

/**
 * The mask for a batch of `seqLen`-token rows whose examples fall into consecutive groups of `groupSizes` examples,
 * for rank r: row n (example ⌊n / seqLen⌋) has `scale` (the adapter's α / r) in its group's r columns, 0 elsewhere.
 */
export function groupMask(groupSizes: readonly number[], seqLen: number, r: number, scale: number): tf.Tensor2D {
  const g = groupSizes.length;
  const examples = groupSizes.reduce((n, s) => n + s, 0);
  const m = new Float32Array(examples * seqLen * g * r);
  let row = 0;
  groupSizes.forEach((size, group) => {
    for (let n = 0; n < size * seqLen; n++, row++) m.fill(scale, row * g * r + group * r, row * g * r + (group + 1) * r);
  });
  return tf.tensor2d(m, [examples * seqLen, g * r]);
}
