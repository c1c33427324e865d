import * as tf from '@tensorflow/tfjs';
import { isWebGPUActive, runProgram } from './webgpu-compat';
import { AdamWProgram, adamwApplyAtUniforms, adamwStepAtUniforms, adamwStepUniforms, type AdamWOutput, type AdamWScalars } from './wgsl/adamw-program';
import type { ProgramUniform } from './webgpu-compat';

export type { AdamWScalars };

/**
 * AdamW's step for one parameter θ, in torch's form θ ← θ − lr·D with D = (m'/c1) / (√(v'/c2) + ε) + λ·θ. The two
 * moments live packed in one tensor mv [2, ...θ.shape] (m, then v). On WebGPU each function is one fused dispatch
 * (wgsl/adamw-program.ts); elsewhere composed tfjs ops. Every function returns a new tensor the caller owns.
 */

/** mv' with m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², g the gradient times `gradScale` (one element; 1 if absent). */
export function adamwMoments(mv: tf.Tensor, g: tf.Tensor, s: AdamWScalars, gradScale?: tf.Tensor): tf.Tensor {
  if (!isWebGPUActive()) {
    return tf.tidy(() => {
      const gs = gradScale === undefined ? g : tf.mul(g, tf.reshape(gradScale, []));
      const [m, v] = tf.unstack(mv);
      return tf.stack([tf.add(tf.mul(m!, s.beta1), tf.mul(gs, 1 - s.beta1)), tf.add(tf.mul(v!, s.beta2), tf.mul(tf.square(gs), 1 - s.beta2))]);
    });
  }
  return tf.tidy(() => {
    const scale = gradScale === undefined ? tf.ones([1]) : tf.reshape(gradScale, [1]);
    return run('moments', [mv, g, scale], mv.shape, adamwStepUniforms(mv.size, s));
  });
}

/**
 * D from the advanced moments mv' and θ; without θ (undefined) where the weight decay is 0, so that a caller holding θ
 * in pieces need not gather it (the optimizer's flat chunks: a concat per chunk) for a term that is zero.
 */
export function adamwDirection(p: tf.Tensor | undefined, mv: tf.Tensor, s: AdamWScalars): tf.Tensor {
  if (p === undefined && s.weightDecay !== 0) throw new Error(`adamwDirection: weight decay ${s.weightDecay} needs the parameter`);
  const n = mv.size / 2;
  const shape = p?.shape ?? [n];
  if (!isWebGPUActive()) return composedDirection(p, mv, s);
  return tf.tidy(() => (p === undefined ? run('adamDirection', [mv], shape, adamwStepUniforms(n, s)) : run('direction', [mv, p], shape, adamwStepUniforms(n, s))));
}

/**
 * θ − lr·D with θ's moments at element `offset` of `mv`, the packed moments [2 × total] of a longer flat vector (the
 * optimizer's chunk): adamwDirection and the apply in one dispatch, without cutting θ's moments out first.
 */
export function adamwStepAt(p: tf.Tensor, mv: tf.Tensor, offset: number, s: AdamWScalars, lr: number): tf.Tensor {
  const total = mv.size / 2;
  if (!isWebGPUActive()) {
    return tf.tidy(() => {
      const flat = tf.reshape(mv, [2, total]);
      const own = tf.reshape(tf.slice(flat, [0, offset], [2, p.size]), [2, ...p.shape]);
      return tf.sub(p, tf.mul(composedDirection(p, own, s), lr));
    });
  }
  return tf.tidy(() => run('stepAt', [mv, p], p.shape, adamwStepAtUniforms(p.size, s, lr, offset, total)));
}

/** θ − lr·D[offset …], θ's direction at element `offset` of the longer `directions` (a flat chunk or a stack of blocks). */
export function adamwApplyAt(p: tf.Tensor, directions: tf.Tensor, offset: number, lr: number): tf.Tensor {
  if (!isWebGPUActive()) return tf.tidy(() => tf.sub(p, tf.mul(tf.reshape(tf.slice(tf.reshape(directions, [-1]), [offset], [p.size]), p.shape), lr)));
  return tf.tidy(() => run('applyAt', [p, directions], p.shape, adamwApplyAtUniforms(p.size, lr, offset)));
}

function composedDirection(p: tf.Tensor | undefined, mv: tf.Tensor, s: AdamWScalars): tf.Tensor {
  return tf.tidy(() => {
    const [m, v] = tf.unstack(tf.reshape(mv, [2, -1]));
    const adam = tf.reshape(tf.div(tf.div(m!, s.c1), tf.add(tf.sqrt(tf.div(v!, s.c2)), s.eps)), p?.shape ?? [-1]);
    return p !== undefined && s.weightDecay > 0 ? tf.add(adam, tf.mul(p, s.weightDecay)) : adam;
  });
}

function run(output: AdamWOutput, inputs: tf.Tensor[], shape: number[], uniforms: ProgramUniform[]): tf.Tensor {
  const flat = inputs.map((t) => (t.rank > 1 ? tf.reshape(t, [t.size]) : t));
  const size = uniforms[0]!.data[0]!;
  return runProgram(new AdamWProgram(output, size), flat, uniforms).reshape(shape);
}
