import * as tf from '@tensorflow/tfjs';
import { stridedMatMul } from '../kernels/strided-matmul';
import { matMulTransposedB } from './frozen-matmul';
import { mergedWeight, mergedWeightT } from './merged-lora';

/**
 * One LoRA projection of a batch whose rows fall into G groups that each need their own gradient, while every group
 * computes with the same A and B (SPF's anchors: each anchor's gradient at the adapter's current values). The forward
 * pass is the adapter's own: y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ, merged as x·(W + s·B·A)ᵀ where `merge` says so (merged-lora.ts)
 * — two dispatches, not the five of a product by G stacked copies and a mask. Only the gradients separate the groups,
 * through `slotA` [G·r, in] and `slotB` [out, G·r]: inputs whose values are never read, whose gradients are the groups'
 * gradients side by side along the rank (the layout of per-group-lora.ts's copies):
 *   d slotA = (s·(dy·B) ⊙ rows' group mask)ᵀ · x,   d slotB = dyᵀ · (s·(x·Aᵀ) ⊙ rows' group mask),
 * the mask repeating each row's r columns in its group's block. Where every group has `groupRows` rows (one anchor
 * each, SPF's default) no mask is needed: the strided kernel's blocks reduce each group's slot block over its own rows
 * in one dispatch (as folded-lora.ts). The gradient to x is the adapter's. WebGPU: the strided kernel for the rank-r
 * products, as merged-lora.ts.
 *
 * `groups`: `{ count: G, rows }` with every group `rows` rows, or `{ count: G, mask3 }` with mask3 [N, G, r] the
 * adapter's scale s where row n's group is g, else 0 (groupMask reshaped).
 */
export function sharedGroupLoraLinear(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  slots: { A: tf.Tensor2D; B: tf.Tensor2D },
  groupRows: { count: number; rows: number } | { count: number; mask3: tf.Tensor3D },
  scale: number,
  merge: boolean,
): tf.Tensor2D {
  const n = x.shape[0];
  const r = a.shape[0];
  const groups = groupRows.count;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    (args[3] as tf.GradSaveFunc)([input]);
    const value = tf.tidy(() => {
      if (merge) return tf.matMul(input, mergedWeightT(w, a, b, scale));
      return stridedMatMul(stridedMatMul(input, a, { transposeB: true }), b, { transposeB: true, alpha: scale, addend: matMulTransposedB(input, w) });
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const xs = saved[0] as tf.Tensor2D;
        const g = dy as tf.Tensor2D;
        const up = stridedMatMul(g, b); // dy·B [N, r]
        const dx = merge
          ? (tf.matMul(g, mergedWeight(w, a, b, scale)) as tf.Tensor2D)
          : stridedMatMul(up, a, { alpha: scale, addend: tf.matMul(g, w) as tf.Tensor2D });
        const down = stridedMatMul(xs, a, { transposeB: true }); // x·Aᵀ [N, r]
        if ('rows' in groupRows) {
          const each = { start: 0, count: groupRows.rows };
          return [
            dx,
            stridedMatMul(up, xs, { transposeA: true, alpha: scale, contraction: each, blocks: { along: 'rows', count: groups, kStride: groupRows.rows } }), // [G·r, in]
            stridedMatMul(g, down, { transposeA: true, alpha: scale, contraction: each, blocks: { along: 'cols', count: groups, kStride: groupRows.rows } }), // [out, G·r]
          ];
        }
        const mask3 = groupRows.mask3;
        const perGroup = (t: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.mul(tf.reshape(t, [n, 1, r]), mask3), [n, groups * r]) as tf.Tensor2D;
        return [
          dx,
          stridedMatMul(perGroup(up), xs, { transposeA: true }), // [G·r, in]
          stridedMatMul(g, perGroup(down), { transposeA: true }), // [out, G·r]
        ];
      });
    return { value, gradFunc };
  });
  return f(x, slots.A, slots.B) as tf.Tensor2D;
}
