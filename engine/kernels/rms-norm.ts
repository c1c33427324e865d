import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import { isTrainable } from '../util/trainable';
import { isWebGPUActive, runProgram } from './webgpu-compat';
import { RmsNormGradProgram, RmsNormProgram, rmsNormUniforms } from './wgsl/rms-norm-program';

/**
 * RMSNorm over the last axis, in float32: x / √(mean(x²) + ε) · weight, with a gradient to x only (the norm weights
 * are frozen base weights). On WebGPU one fused kernel each way (wgsl/rms-norm-program.ts); elsewhere, and for a
 * trainable weight (the demo build's pre-training), the composed tfjs ops and their autodiff.
 */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  const n = x.shape[x.rank - 1]!;
  if (weight.size !== n) throw new SafeTuneError('bad-argument', `rmsNorm: weight [${weight.shape.join(', ')}] does not match the last axis of x [${x.shape.join(', ')}]`);
  if (!isWebGPUActive() || isTrainable(weight)) return composedRmsNorm(x, weight, eps);
  const rows = x.size / n;
  const uniforms = rmsNormUniforms(rows, n, eps);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    const value = tf.tidy(() => runProgram(new RmsNormProgram(rows, n), [tf.reshape(input, [rows, n]), weight], uniforms).reshape(input.shape));
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => tf.tidy(() => {
      const xs = saved[0]!;
      return runProgram(new RmsNormGradProgram(rows, n), [tf.reshape(xs, [rows, n]), weight, tf.reshape(dy, [rows, n])], uniforms).reshape(xs.shape);
    });
    return { value, gradFunc };
  });
  return f(x) as T;
}

/** The composed tfjs ops (the other backends' path). */
export function composedRmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight) as T;
  });
}
