import * as tf from '@tensorflow/tfjs';
import { stridedMatMul } from '../kernels/strided-matmul';
import { matMulTransposedB } from './frozen-matmul';
import { mergedWeight, mergedWeightT } from './merged-lora';

/**
 * How a batch's group rows split into G groups: every group `rows` rows (one anchor each, SPF's default: the strided
 * kernel's blocks then take each group's own rows, no mask), or `mask3` [N, G, r], the adapter's scale s where row n
 * belongs to group g, else 0 (groupMask / foldedMask reshaped).
 */
export type GroupRows = { count: number; rows: number } | { count: number; mask3: tf.Tensor3D };

/**
 * One LoRA projection of a batch whose rows fall into G groups that each need their own gradient, while every group
 * computes with the same A and B (SPF's anchors: each anchor's gradient at the adapter's current values). The forward
 * pass is the adapter's own: y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ, merged as x·(W + s·B·A)ᵀ where `merge` says so (merged-lora.ts)
 * — two dispatches, not the five of a product by G stacked copies and a mask. Only the gradients separate the groups,
 * through `slotA` [G·r, in] and `slotB` [out, G·r]: inputs whose values are never read, whose gradients are the groups'
 * gradients side by side along the rank (the layout of per-group-lora.ts's copies; groupSlotGradients). The gradient
 * to x is the adapter's. WebGPU: the strided kernel for the rank-r products, as merged-lora.ts.
 */
export function sharedGroupLoraLinear(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  slots: { A: tf.Tensor2D; B: tf.Tensor2D },
  groups: GroupRows,
  scale: number,
  merge: boolean,
): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    (args[3] as tf.GradSaveFunc)([input]);
    const value = loraProjection(input, w, a, b, scale, merge);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const xs = saved[0] as tf.Tensor2D;
        const g = dy as tf.Tensor2D;
        const { up, down, dx } = loraBackwardParts(g, xs, w, a, b, scale, merge);
        return [dx, ...groupSlotGradients(up, down, xs, g, 0, groups, scale)];
      });
    return { value, gradFunc };
  });
  return f(x, slots.A, slots.B) as tf.Tensor2D;
}

/** x·Wᵀ + s·(x·Aᵀ)·Bᵀ, as x·(W + s·B·A)ᵀ where `merge` says so (merged-lora.ts). */
export function loraProjection(x: tf.Tensor2D, w: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, scale: number, merge: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    if (merge) return tf.matMul(x, mergedWeightT(w, a, b, scale));
    return stridedMatMul(stridedMatMul(x, a, { transposeB: true }), b, { transposeB: true, alpha: scale, addend: matMulTransposedB(x, w) });
  });
}

/** What a LoRA projection's backward pass starts from: up = dy·B [N, r], down = x·Aᵀ [N, r], and dx. */
export function loraBackwardParts(
  g: tf.Tensor2D,
  xs: tf.Tensor2D,
  w: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  scale: number,
  merge: boolean,
): { up: tf.Tensor2D; down: tf.Tensor2D; dx: tf.Tensor2D } {
  const up = stridedMatMul(g, b);
  const down = stridedMatMul(xs, a, { transposeB: true });
  const dx = merge
    ? (tf.matMul(g, mergedWeight(w, a, b, scale)) as tf.Tensor2D)
    : stridedMatMul(up, a, { alpha: scale, addend: tf.matMul(g, w) as tf.Tensor2D });
  return { up, down, dx };
}

/**
 * The groups' gradients with respect to the slots, from the batch's rows `start` … N − 1:
 *   d slotA [G·r, in] = (s·up ⊙ group)ᵀ · x,   d slotB [out, G·r] = dyᵀ · (s·down ⊙ group),
 * with groups of one size by the strided kernel's blocks (each block over its group's rows, one dispatch), else by the
 * mask (each row's r columns in its group's block).
 */
export function groupSlotGradients(up: tf.Tensor2D, down: tf.Tensor2D, xs: tf.Tensor2D, g: tf.Tensor2D, start: number, groups: GroupRows, scale: number): [tf.Tensor2D, tf.Tensor2D] {
  if ('rows' in groups) {
    const each = { start, count: groups.rows };
    return [
      stridedMatMul(up, xs, { transposeA: true, alpha: scale, contraction: each, blocks: { along: 'rows', count: groups.count, kStride: groups.rows } }),
      stridedMatMul(g, down, { transposeA: true, alpha: scale, contraction: each, blocks: { along: 'cols', count: groups.count, kStride: groups.rows } }),
    ];
  }
  const [n, r] = up.shape;
  const rows = { start, count: n - start };
  const perGroup = (t: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.mul(tf.reshape(t, [n, 1, r]), groups.mask3), [n, groups.count * r]) as tf.Tensor2D;
  return [
    stridedMatMul(perGroup(up), xs, { transposeA: true, contraction: rows }),
    stridedMatMul(g, perGroup(down), { transposeA: true, contraction: rows }),
  ];
}
