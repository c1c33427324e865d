import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { causalAttention, SPLIT_QUERIES_FROM } from '../../engine/model/causal-attention';

/**
 * causalAttention (query halves at training lengths, one block otherwise) against plain attention written with tfjs
 * ops head by head — softmax(q·kᵀ/√D + causal mask)·v with each query head reading its kv head — value and the
 * gradients to q, k and v, on every backend.
 */

function plainAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, offset: number): tf.Tensor4D {
  const [b, heads, t, d] = q.shape;
  const kvHeads = k.shape[1];
  const s = k.shape[2];
  const mask = tf.tensor2d(Array.from({ length: t * s }, (_, e) => (e % s > offset + Math.floor(e / s) ? -1e9 : 0)), [t, s]);
  const perHead = Array.from({ length: heads }, (_, hd) => {
    const kv = Math.floor(hd / (heads / kvHeads));
    const qh = tf.slice(q, [0, hd, 0, 0], [b, 1, t, d]).reshape([b, t, d]);
    const kh = tf.slice(k, [0, kv, 0, 0], [b, 1, s, d]).reshape([b, s, d]);
    const vh = tf.slice(v, [0, kv, 0, 0], [b, 1, s, d]).reshape([b, s, d]);
    const probs = tf.softmax(tf.add(tf.mul(tf.matMul(qh, kh, false, true), 1 / Math.sqrt(d)), mask), -1);
    return tf.matMul(probs, vh).reshape([b, 1, t, d]);
  });
  return tf.concat(perHead, 1) as tf.Tensor4D;
}

const CASES = [
  { name: `T = ${SPLIT_QUERIES_FROM + 2}: split into query halves`, b: 2, heads: 4, kvHeads: 2, t: SPLIT_QUERIES_FROM + 2, offset: 0 },
  { name: 'T = 67 (odd): one block', b: 1, heads: 2, kvHeads: 1, t: 67, offset: 0 },
  { name: '3 new queries after 70 cached keys: one block', b: 1, heads: 4, kvHeads: 2, t: 3, offset: 70 },
];

describe.each(BACKENDS)('causalAttention on %s', (backend) => {
  test.each(CASES)('$name: value and gradients match plain attention', async ({ b, heads, kvHeads, t, offset }) => {
    await setBackend(backend);
    const before = tf.memory().numTensors;
    const d = 8;
    const s = offset + t;
    const q = tf.randomNormal([b, heads, t, d], 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = tf.randomNormal([b, kvHeads, s, d], 0, 1, 'float32', 2) as tf.Tensor4D;
    const v = tf.randomNormal([b, kvHeads, s, d], 0, 1, 'float32', 3) as tf.Tensor4D;
    const weights = tf.randomNormal([b, heads, t, d], 0, 1, 'float32', 4);
    const loss = (f: typeof causalAttention) => (qs: tf.Tensor, ks: tf.Tensor, vs: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(f(qs as tf.Tensor4D, ks as tf.Tensor4D, vs as tf.Tensor4D, offset), weights)) as tf.Scalar;
    const got = tf.tidy(() => [causalAttention(q, k, v, offset), ...tf.grads(loss(causalAttention))([q, k, v])]);
    const want = tf.tidy(() => [plainAttention(q, k, v, offset), ...tf.grads(loss(plainAttention))([q, k, v])]);
    for (const [i, name] of ['out', 'dq', 'dk', 'dv'].entries()) {
      const [g, w] = [Array.from(await got[i]!.data()), Array.from(await want[i]!.data())];
      const scale = w.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const err = g.reduce((m, x, e) => Math.max(m, Math.abs(x - w[e]!)), 0);
      expect(scale, name).toBeGreaterThan(0.1);
      expect(err, name).toBeLessThan(2e-5 * scale);
    }
    tf.dispose([q, k, v, weights, ...got, ...want]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
