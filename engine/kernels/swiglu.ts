import * as tf from '@tensorflow/tfjs';
import { isWebGPUActive, runProgram } from './webgpu-compat';
import { SwigluProgram, swigluUniforms, type SwigluOutput } from './wgsl/swiglu-program';

/**
 * The MLP's gated activation silu(gate) · up (Llama, Qwen), gate and up of one shape. On WebGPU one fused dispatch
 * forward and one per input backward (wgsl/swiglu-program.ts); elsewhere the composed tfjs ops and their autodiff.
 */
export function swiglu<T extends tf.Tensor>(gate: T, up: T): T {
  if (!isWebGPUActive()) return composedSwiglu(gate, up);
  const size = gate.size;
  const uniforms = swigluUniforms(size);
  const run = (output: SwigluOutput, inputs: tf.Tensor[]): tf.Tensor =>
    tf.tidy(() => runProgram(new SwigluProgram(output, size), inputs.map((t) => tf.reshape(t, [size])), uniforms).reshape(gate.shape));
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, u] = args as [tf.Tensor, tf.Tensor];
    (args[2] as tf.GradSaveFunc)([g, u]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [gs, us] = saved as [tf.Tensor, tf.Tensor];
      return [run('gradGate', [gs, us, dy]), run('gradUp', [gs, dy])];
    };
    return { value: run('value', [g, u]), gradFunc };
  });
  return f(gate, up) as T;
}

/** The composed tfjs ops (the other backends' path). */
export function composedSwiglu<T extends tf.Tensor>(gate: T, up: T): T {
  return tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as T);
}
