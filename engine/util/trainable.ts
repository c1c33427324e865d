import * as tf from '@tensorflow/tfjs';

/**
 * Whether autodiff may need a gradient for `t`. The engine's fused paths with a gradient to their input only (RMSNorm,
 * the frozen projections' transposed copies) assume frozen base weights; the demo build trains every weight as a
 * Variable, and there they must fall back to tfjs's ops, or those weights would silently get no gradient.
 */
export function isTrainable(t: tf.Tensor): boolean {
  return t instanceof tf.Variable && t.trainable;
}
