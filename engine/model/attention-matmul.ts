import * as tf from '@tensorflow/tfjs';
import { matMulTransposedB } from './frozen-matmul';

// Attention's two batched products, each with its gradient written out so that no matmul in either pass multiplies
// by a transposed B: tfjs-webgpu's tiled matmul gives up its vec4 path on a transposed B (frozen-matmul.ts), and
// autodiff of q·kᵀ and p·v forms one such product in each direction (the scores themselves, and dp = dy·vᵀ). A
// transposed copy of k or v ([B, KV, S, D]: small beside the [B, KV, G·T, S] scores), by matMulTransposedB's rule,
// restores the fast path (lavapipe, [4, 2, 512, 32]·[4, 2, 256, 32]ᵀ: 2.0 GFLOP/s transposed, 3.3 on the copy).

/** Attention scores q · kᵀ: q [B, KV, R, D], k [B, KV, S, D] → [B, KV, R, S]; dq = dy·k, dk = dyᵀ·q. */
export function attentionScores(q: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qs, ks] = args as [tf.Tensor4D, tf.Tensor4D];
    (args[2] as tf.GradSaveFunc)([qs, ks]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => [tf.matMul(dy, saved[1]!), tf.matMul(dy, saved[0]!, true, false)];
    return { value: matMulTransposedB(qs, ks), gradFunc };
  });
  return f(q, k) as tf.Tensor4D;
}

/** Attention output p · v: p [B, KV, R, S], v [B, KV, S, D] → [B, KV, R, D]; dp = dy·vᵀ, dv = pᵀ·dy. */
export function attentionValues(p: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [ps, vs] = args as [tf.Tensor4D, tf.Tensor4D];
    (args[2] as tf.GradSaveFunc)([ps, vs]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => [matMulTransposedB(dy, saved[1]!), tf.matMul(saved[0]!, dy, true, false)];
    return { value: tf.matMul(ps, vs), gradFunc };
  });
  return f(p, v) as tf.Tensor4D;
}
