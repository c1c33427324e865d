import * as tf from '@tensorflow/tfjs';
import { isWebGPUActive, runProgram } from './webgpu-compat';
import { AdamWProgram, adamwApplyUniforms, adamwStepUniforms, type AdamWOutput, type AdamWScalars } from './wgsl/adamw-program';
import type { ProgramUniform } from './webgpu-compat';

export type { AdamWScalars };

/**
 * One AdamW step's moments and direction for one parameter: m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g²,
 * D = (m'/c1) / (√(v'/c2) + ε) + λ·θ (torch's AdamW: θ ← θ − lr·D), where g is the gradient times `gradScale` (a
 * one-element tensor, e.g. clipping's factor; 1 when absent). On WebGPU three fused dispatches
 * (wgsl/adamw-program.ts); elsewhere the composed tfjs ops. The caller owns the three results.
 */
export function adamwMomentsAndDirection(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamWScalars, gradScale?: tf.Tensor): { m: tf.Tensor; v: tf.Tensor; direction: tf.Tensor } {
  if (!isWebGPUActive()) return composedMomentsAndDirection(p, g, m, v, s, gradScale);
  return tf.tidy(() => {
    const uniforms = adamwStepUniforms(p.size, s);
    const scale = gradScale === undefined ? tf.ones([1]) : tf.reshape(gradScale, [1]);
    const m1 = run('moment1', [m, g, scale], p.shape, uniforms);
    const m2 = run('moment2', [v, g, scale], p.shape, uniforms);
    return { m: m1, v: m2, direction: run('direction', [m1, m2, p], p.shape, uniforms) };
  });
}

/** θ − lr·D, as a new tensor (the caller assigns it). */
export function adamwApply(p: tf.Tensor, direction: tf.Tensor, lr: number): tf.Tensor {
  if (!isWebGPUActive()) return tf.tidy(() => tf.sub(p, tf.mul(direction, lr)));
  return tf.tidy(() => run('apply', [p, direction], p.shape, adamwApplyUniforms(p.size, lr)));
}

export function composedMomentsAndDirection(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamWScalars, gradScale?: tf.Tensor): { m: tf.Tensor; v: tf.Tensor; direction: tf.Tensor } {
  return tf.tidy(() => {
    if (gradScale !== undefined) g = tf.mul(g, tf.reshape(gradScale, []));
    const m1 = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1));
    const m2 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
    const adam = tf.div(tf.div(m1, s.c1), tf.add(tf.sqrt(tf.div(m2, s.c2)), s.eps));
    return { m: m1, v: m2, direction: s.weightDecay > 0 ? tf.add(adam, tf.mul(p, s.weightDecay)) : adam };
  });
}

function run(output: AdamWOutput, inputs: tf.Tensor[], shape: number[], uniforms: ProgramUniform[]): tf.Tensor {
  const size = inputs[0]!.size;
  const flat = inputs.map((t) => (t.size === size ? tf.reshape(t, [size]) : t));
  return runProgram(new AdamWProgram(output, size), flat, uniforms).reshape(shape);
}
