import * as tf from '@tensorflow/tfjs';
import { stridedMatMul } from '../kernels/strided-matmul';
import { isWebGPUActive } from '../kernels/webgpu-compat';
import { isTrainable } from '../util/trainable';

// tfjs-webgpu's tiled matmul gives up its vec4 path whenever B is transposed (lavapipe, [1024, 128]·[352, 128]ᵀ:
// 44 ms transposed vs 33 ms on a transposed copy), and HF stores every projection as W [out, in], so x·Wᵀ is what the
// model computes most. A transposed copy moves each weight once; it pays when the product has many rows.

/** Below this many rows the copy costs more than the vec4 path saves (a 48-token safety anchor, a decode step). */
export const MIN_ROWS_TO_TRANSPOSE = 128;
/** The largest weight copied: the copy is transient, one at a time, but it is extra memory at the step's peak. */
export const MAX_TRANSPOSED_COPY_BYTES = 32 * 1024 * 1024;

/** Whether a transient weight-sized copy of w (transposed here, merged in merged-lora.ts) may be made: WebGPU, within the bound. */
export function weightCopyAllowed(w: tf.Tensor): boolean {
  return isWebGPUActive() && w.size * 4 <= MAX_TRANSPOSED_COPY_BYTES;
}

function copyPays(rows: number, w: tf.Tensor): boolean {
  return rows >= MIN_ROWS_TO_TRANSPOSE && weightCopyAllowed(w);
}

/**
 * One row by a frozen W (a decode step of one sequence): the strided kernel (kernels/strided-matmul.ts) reads W in
 * place, once, as tfjs's matmul does, and on lavapipe took 27 ms for SmolLM2's lm_head [1, 576]·[49152, 576]ᵀ against
 * tfjs's 91, 0.9 against 3.1 for its gate_proj (`.tmp` sweep, medians of five). Only one row: the kernel reads W once
 * per row, so more rows would multiply a big weight's memory traffic on a real GPU.
 */
function oneRowPays(x: tf.Tensor, w: tf.Tensor): boolean {
  return isWebGPUActive() && x.rank === 2 && w.rank === 2 && x.shape[0] === 1 && !isTrainable(w);
}

/** x [1, in] · wᵀ on the strided kernel, with dx = dy · w (w is frozen). */
function oneRowTimesTransposed(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: stridedMatMul(args[0] as tf.Tensor2D, w, { transposeB: true }),
    gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, w)],
  }));
  return f(x) as tf.Tensor2D;
}

/**
 * x · wᵀ over the last two axes (x [..., N, in], w [..., out, in] → [..., N, out]), through a transposed copy of w
 * where that is faster, or the one-row kernel. No gradient of its own beyond tfjs's: for use where autodiff does not
 * see the op (inside a custom gradient) or w is not trained.
 */
export function matMulTransposedB<T extends tf.Tensor>(x: T, w: tf.Tensor): T {
  if (oneRowPays(x, w)) return oneRowTimesTransposed(x as unknown as tf.Tensor2D, w as tf.Tensor2D) as unknown as T;
  return copyPays(x.shape[x.rank - 2]!, w) ? byTransposedCopy(x, w) : tf.matMul(x, w, false, true);
}

function byTransposedCopy<T extends tf.Tensor>(x: T, w: tf.Tensor): T {
  const perm = [...Array(w.rank).keys()];
  [perm[w.rank - 2], perm[w.rank - 1]] = [w.rank - 1, w.rank - 2];
  return tf.tidy(() => tf.matMul(x, tf.transpose(w, perm)));
}

/**
 * x · Wᵀ for a frozen projection W [out, in]: x [N, in] → [N, out], with a gradient to x only. The backward pass,
 * dy · W, is a plain matmul; autodiff through the transposed copy would instead multiply by it transposed again.
 * A trainable W (the demo build's pre-training) takes tf.matMul and its full autodiff.
 */
export function matMulFrozenT(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (oneRowPays(x, w)) return oneRowTimesTransposed(x, w);
  if (!copyPays(x.shape[0], w) || isTrainable(w)) return tf.matMul(x, w, false, true);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const value = byTransposedCopy(args[0] as tf.Tensor2D, w);
    return { value, gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, w)] };
  });
  return f(x) as tf.Tensor2D;
}
