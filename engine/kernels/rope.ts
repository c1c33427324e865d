import * as tf from '@tensorflow/tfjs';
import { runProgram } from './webgpu-compat';
import { RopeProgram, ropeUniforms } from './wgsl/rope-program';

/**
 * RoPE of x [B, heads, T, D] (first position `offset`) on WebGPU: one fused dispatch each way
 * (wgsl/rope-program.ts), with the full cos / sin tables [maxLen, D] bound as they are. Other backends use the
 * composed ops in engine/model/rope.ts.
 */
export function ropeWebGPU(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D, offset: number): tf.Tensor4D {
  const [, , T, D] = x.shape;
  const uniforms = ropeUniforms(x.size, T, D, offset);
  const rotate = (v: tf.Tensor, backward: boolean): tf.Tensor =>
    tf.tidy(() => runProgram(new RopeProgram(v.size, backward), [tf.reshape(v, [v.size]), cos, sin], uniforms).reshape(v.shape));
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    return { value: rotate(input, false), gradFunc: (dy: tf.Tensor) => rotate(dy, true) };
  });
  return f(x) as tf.Tensor4D;
}
