import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import { isWebGPUActive, runProgram } from './webgpu-compat';
import { CausalSoftmaxGradProgram, CausalSoftmaxProgram, causalSoftmaxUniforms } from './wgsl/causal-softmax-program';

/** Additive mask value: large enough to zero a softmax weight, finite so no NaN appears. */
const NEG_INF = -1e9;

/**
 * Attention weights: softmax(scale · scores + causal mask) over the last axis, scores [..., S] whose rows are queries
 * stacked in blocks of `queries` (row r is query r mod queries, at absolute position offset + r mod queries; it sees
 * keys j ≤ that position). On WebGPU one fused kernel each way (wgsl/causal-softmax-program.ts); elsewhere the
 * composed tfjs ops, which are the same math and tfjs's own gradient.
 */
export function causalSoftmax(scores: tf.Tensor, queries: number, offset: number, scale: number): tf.Tensor {
  const S = scores.shape[scores.rank - 1]!;
  if (scores.rank < 2 || scores.size % (queries * S) !== 0 || offset + queries !== S) {
    throw new SafeTuneError('bad-argument', `causalSoftmax: scores [${scores.shape.join(', ')}] do not hold blocks of ${queries} queries over ${offset} cached + ${queries} new keys`);
  }
  if (!isWebGPUActive()) return composedCausalSoftmax(scores, queries, offset, scale);
  const rows = scores.size / S;
  const uniforms = causalSoftmaxUniforms(rows, S, queries, offset, scale);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const probs = tf.tidy(() => runProgram(new CausalSoftmaxProgram(rows, S), [tf.reshape(x, [rows, S])], uniforms).reshape(x.shape));
    save([probs]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => tf.tidy(() => {
      const p = saved[0]!;
      return runProgram(new CausalSoftmaxGradProgram(rows, S), [tf.reshape(p, [rows, S]), tf.reshape(dy, [rows, S])], uniforms).reshape(p.shape);
    });
    return { value: probs, gradFunc };
  });
  return f(scores);
}

/** The composed tfjs ops: scale, add the [queries, S] mask to every block, softmax. */
export function composedCausalSoftmax(scores: tf.Tensor, queries: number, offset: number, scale: number): tf.Tensor {
  const S = scores.shape[scores.rank - 1]!;
  return tf.tidy(() => {
    const blocks = tf.mul(scores, scale).reshape([-1, queries, S]);
    return tf.softmax(tf.add(blocks, causalMask(queries, offset)), -1).reshape(scores.shape);
  });
}

/** Additive causal mask [T, offset + T]: query t (absolute position offset + t) sees keys ≤ its own position. */
export function causalMask(t: number, offset: number): tf.Tensor2D {
  const s = offset + t;
  const m = new Float32Array(t * s);
  for (let i = 0; i < t; i++) for (let j = offset + i + 1; j < s; j++) m[i * s + j] = NEG_INF;
  return tf.tensor2d(m, [t, s]);
}
