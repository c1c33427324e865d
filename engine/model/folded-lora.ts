import * as tf from '@tensorflow/tfjs';
import { stridedMatMul } from '../kernels/strided-matmul';
import { groupSlotGradients, loraBackwardParts, loraProjection, type GroupRows } from './shared-group-lora';

/**
 * One LoRA projection of a batch that carries a training micro-batch and SPF's anchors together: its first `trainRows`
 * rows are the training batch's, whose gradient goes to the adapter's A and B, and the rows after them are the
 * anchors', in groups whose gradients go, each apart, to the value-less slots (as shared-group-lora.ts). Every row
 * computes with the adapter's own A and B, so the forward pass is the adapter's (merged where `merge` says so), and
 * one pass gives the step's gradient and every anchor group's.
 *
 * Why: on a GPU a step is bound by its dispatches, not its arithmetic, and the anchors' own pass issues about as many
 * as the training batch's forward and backward (README, "On a real GPU"); folded, the anchors cost only the products
 * that separate their gradients. The backward pass reduces over row ranges in place (stridedMatMul's `contraction`):
 *   dA = s·(dy·B)[rows < N₀]ᵀ · x[rows < N₀],   dB = s·dy[rows < N₀]ᵀ · (x·Aᵀ)[rows < N₀],
 * and the slots' gradients over the rows from N₀ on (groupSlotGradients: the kernel's blocks for groups of one size,
 * else a mask that is 0 on the training rows). The gradient to x is the adapter's, over every row.
 */
export function foldedLoraLinear(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  slots: { A: tf.Tensor2D; B: tf.Tensor2D },
  trainRows: number,
  groups: GroupRows,
  scale: number,
  merge: boolean,
): tf.Tensor2D {
  const training = { start: 0, count: trainRows };
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, A, B] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    (args[5] as tf.GradSaveFunc)([input, A, B]);
    const value = loraProjection(input, w, A, B, scale, merge);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const [xs, As, Bs] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const g = dy as tf.Tensor2D;
        const { up, down, dx } = loraBackwardParts(g, xs, w, As, Bs, scale, merge);
        return [
          dx,
          stridedMatMul(up, xs, { transposeA: true, alpha: scale, contraction: training }), // dA [r, in]
          stridedMatMul(g, down, { transposeA: true, alpha: scale, contraction: training }), // dB [out, r]
          ...groupSlotGradients(up, down, xs, g, trainRows, groups, scale),
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
