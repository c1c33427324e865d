import * as tf from '@tensorflow/tfjs';
import { int32Uniform, isWebGPUActive, runProgram } from './webgpu-compat';
import { BlockSumSquaresProgram } from './wgsl/block-sum-squares-program';

/**
 * Σ x² over a whole tensor, as a scalar on the backend: on WebGPU one dispatch (SPF's block reduction with one block),
 * instead of tfjs's square and sum; elsewhere those two ops. The gradient norm takes one per adapter tensor per step.
 */
export function sumOfSquares(x: tf.Tensor): tf.Scalar {
  if (!isWebGPUActive() || x.dtype !== 'float32') return tf.tidy(() => tf.sum(tf.square(x)) as tf.Scalar);
  return tf.tidy(() => tf.reshape(runProgram(new BlockSumSquaresProgram(1, false), [tf.reshape(x, [x.size])], [int32Uniform(x.size)]), []) as tf.Scalar);
}
