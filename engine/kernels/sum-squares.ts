import * as tf from '@tensorflow/tfjs';
import { int32Uniform, isWebGPUActive, runProgram } from './webgpu-compat';
import { BlockSumSquaresProgram } from './wgsl/block-sum-squares-program';
import { deviceBindingLimit } from '../device/binding-limit';

/**
 * Σ x² over a whole tensor, as a scalar on the backend: on WebGPU one dispatch (SPF's block reduction with one block),
 * instead of tfjs's square and sum; elsewhere those two ops.
 */
export function sumOfSquares(x: tf.Tensor): tf.Scalar {
  if (!isWebGPUActive() || x.dtype !== 'float32') return tf.tidy(() => tf.sum(tf.square(x)) as tf.Scalar);
  return tf.tidy(() => tf.reshape(runProgram(new BlockSumSquaresProgram(1, false), [tf.reshape(x, [x.size])], [int32Uniform(x.size)]), []) as tf.Scalar);
}

/**
 * Σ x² over every tensor of `xs` (the gradient norm's square: one term per adapter tensor, hundreds of them). On
 * WebGPU the tensors are concatenated, in groups that each fit one storage binding, and each group reduced in one
 * dispatch: tfjs's concat takes ~7 inputs per dispatch, so ~n/6 dispatches instead of n, on a GPU where the number of
 * dispatches, not their work, bounds a training step. Elsewhere one reduction per tensor. `groupBytes`: the most one
 * concatenation holds (tests lower it).
 */
export function sumOfSquaresOfAll(xs: readonly tf.Tensor[], groupBytes = deviceBindingLimit()): tf.Scalar {
  if (xs.length === 0) return tf.scalar(0);
  if (!isWebGPUActive() || xs.some((x) => x.dtype !== 'float32')) return tf.tidy(() => tf.sum(tf.stack(xs.map(sumOfSquares))) as tf.Scalar);
  const groups: tf.Tensor[][] = [[]];
  let bytes = 0;
  for (const x of xs) {
    if (bytes > 0 && bytes + 4 * x.size > groupBytes) {
      groups.push([]);
      bytes = 0;
    }
    groups[groups.length - 1]!.push(x);
    bytes += 4 * x.size;
  }
  return tf.tidy(() => {
    const sums = groups.map((g) => sumOfSquares(g.length === 1 ? g[0]! : tf.concat(g.map((x) => tf.reshape(x, [x.size])))));
    // Not tf.addN: on WebGPU it binds every input to one dispatch, past the 8 storage buffers a stage may have.
    return (sums.length === 1 ? sums[0]! : tf.sum(tf.stack(sums))) as tf.Scalar;
  });
}
