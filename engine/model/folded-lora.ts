import * as tf from '@tensorflow/tfjs';
import { stridedMatMul } from '../kernels/strided-matmul';
import { matMulTransposedB } from './frozen-matmul';
import { mergedWeight, mergedWeightT } from './merged-lora';

/** Where a folded batch's rows belong: the training rows first, then G groups of anchor rows. */
export interface FoldedRows {
  trainRows: number;
  groups: number;
  /** Rows of every group, where all have as many (no mask needed then). */
  groupRows?: number;
  /** [N, G, r]: the adapter's scale where row n is an anchor row of group g, else 0 (foldedMask reshaped). */
  mask3?: tf.Tensor3D;
}

/**
 * One LoRA projection of a batch that carries a training micro-batch and SPF's anchors together: its first `trainRows`
 * rows are the training batch's, whose gradient goes to the adapter's A and B, and the rows after them are the
 * anchors', in G groups whose gradients go, each apart, to the value-less slots (as shared-group-lora.ts). Every row
 * computes with the adapter's own A and B, so the forward pass is the adapter's (merged where `merge` says so), and
 * one pass gives the step's gradient and every anchor group's.
 *
 * Why: on a GPU a step is bound by its dispatches, not its arithmetic, and the anchors' own pass issues about as many
 * as the training batch's forward and backward (README, "On a real GPU"); folded, the anchors cost only the products
 * below that separate their gradients. The backward pass reduces over row ranges in place (stridedMatMul's
 * `contraction`):
 *   dA = s·(dy·B)[rows < N₀]ᵀ · x[rows < N₀],          dB = s·dy[rows < N₀]ᵀ · (x·Aᵀ)[rows < N₀],
 *   d slotA = ((dy·B) ⊙ mask)[rows ≥ N₀]ᵀ · x[…],        d slotB = dy[rows ≥ N₀]ᵀ · ((x·Aᵀ) ⊙ mask)[…],
 * the mask (scale s in the row's group's r columns) separating the groups. Where every group has `groupRows` rows (one
 * anchor each, SPF's default) no mask is needed: the strided kernel's blocks reduce each group's slot block over its
 * own rows, one dispatch for all of them. The gradient to x is the adapter's, over every row.
 */
export function foldedLoraLinear(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  slots: { A: tf.Tensor2D; B: tf.Tensor2D },
  fold: FoldedRows,
  scale: number,
  merge: boolean,
): tf.Tensor2D {
  const { trainRows, groups, groupRows, mask3 } = fold;
  const n = x.shape[0];
  const r = a.shape[0];
  if (groupRows === undefined && groups > 1 && mask3 === undefined) throw new Error('foldedLoraLinear: groups of unequal rows need the mask');
  const anchors = { start: trainRows, count: n - trainRows };
  const training = { start: 0, count: trainRows };
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, A, B] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    (args[5] as tf.GradSaveFunc)([input, A, B]);
    const value = tf.tidy(() => {
      if (merge) return tf.matMul(input, mergedWeightT(w, A, B, scale));
      return stridedMatMul(stridedMatMul(input, A, { transposeB: true }), B, { transposeB: true, alpha: scale, addend: matMulTransposedB(input, w) });
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const [xs, As, Bs] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const g = dy as tf.Tensor2D;
        const up = stridedMatMul(g, Bs); // dy·B [N, r]
        const down = stridedMatMul(xs, As, { transposeB: true }); // x·Aᵀ [N, r]
        const dx = merge
          ? (tf.matMul(g, mergedWeight(w, As, Bs, scale)) as tf.Tensor2D)
          : stridedMatMul(up, As, { alpha: scale, addend: tf.matMul(g, w) as tf.Tensor2D });
        const dA = stridedMatMul(up, xs, { transposeA: true, alpha: scale, contraction: training });
        const dB = stridedMatMul(g, down, { transposeA: true, alpha: scale, contraction: training });
        if (groupRows !== undefined || groups === 1) {
          const rowsEach = groupRows ?? n - trainRows;
          const each = { start: trainRows, count: rowsEach };
          return [
            dx,
            dA,
            dB,
            stridedMatMul(up, xs, { transposeA: true, alpha: scale, contraction: each, blocks: { along: 'rows', count: groups, kStride: rowsEach } }), // [G·r, in]
            stridedMatMul(g, down, { transposeA: true, alpha: scale, contraction: each, blocks: { along: 'cols', count: groups, kStride: rowsEach } }), // [out, G·r]
          ];
        }
        const perGroup = (t: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.mul(tf.reshape(t, [n, 1, r]), mask3!), [n, groups * r]) as tf.Tensor2D;
        return [
          dx,
          dA,
          dB,
          stridedMatMul(perGroup(up), xs, { transposeA: true, contraction: anchors }), // [G·r, in]
          stridedMatMul(g, perGroup(down), { transposeA: true, contraction: anchors }), // [out, G·r]
        ];
      });
    return { value, gradFunc };
  });
  return f(x, a, b, slots.A, slots.B) as tf.Tensor2D;
}

/**
 * The mask of a folded batch: `trainExamples` training rows of `seqLen` tokens (all 0), then the anchors' examples in
 * consecutive groups of `groupSizes`, each row `scale` in its group's r columns. [rows, G·r].
 */
export function foldedMask(trainExamples: number, groupSizes: readonly number[], seqLen: number, r: number, scale: number): tf.Tensor2D {
  const g = groupSizes.length;
  const examples = trainExamples + groupSizes.reduce((n, s) => n + s, 0);
  const m = new Float32Array(examples * seqLen * g * r);
  let row = trainExamples * seqLen;
  groupSizes.forEach((size, group) => {
    for (let i = 0; i < size * seqLen; i++, row++) m.fill(scale, row * g * r + group * r, row * g * r + (group + 1) * r);
  });
  return tf.tensor2d(m, [examples * seqLen, g * r]);
}
