import * as tf from '@tensorflow/tfjs';
import { causalSoftmax } from '../kernels/causal-softmax';
import { attentionScores, attentionValues } from './attention-matmul';

/** Blocks of at least this many new queries (and no cached keys) are split in halves: see causalAttention. */
export const SPLIT_QUERIES_FROM = 64;

/**
 * Causal grouped-query attention: q [B, H, T, D] at absolute positions offset … offset + T − 1, k and v [B, KV, S, D]
 * with S = offset + T → [B, H, T, D]. The H / KV query heads of one kv head are stacked along the time axis, so one
 * batched matmul per kv head serves them all without copying k or v.
 *
 * With no cached keys (offset 0) and T ≥ SPLIT_QUERIES_FROM, even, the queries are split in halves: the first half
 * sees only the first half of the keys, so its scores are [T/2, T/2] instead of [T/2, T]. Every one of attention's six
 * products (two forward, four backward) then skips the masked upper-right quarter of the score matrix, for the price of
 * slicing q, k and v and joining the two outputs (elementwise copies, small beside the scores).
 */
export function causalAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, offset: number): tf.Tensor4D {
  const [b, heads, t, d] = q.shape;
  const kvHeads = k.shape[1];
  const scale = 1 / Math.sqrt(d);
  // Queries [B, H, n, D] at positions start … start + n − 1 against keys 0 … start + n − 1.
  const attend = (qs: tf.Tensor4D, ks: tf.Tensor4D, vs: tf.Tensor4D, n: number, start: number): tf.Tensor4D => {
    const grouped = qs.reshape([b, kvHeads, (heads / kvHeads) * n, d]) as tf.Tensor4D; // blocks of n queries, one per query head
    const probs = causalSoftmax(attentionScores(grouped, ks), n, start, scale) as tf.Tensor4D; // [B, KV, G·n, start + n]
    return attentionValues(probs, vs).reshape([b, heads, n, d]) as tf.Tensor4D;
  };
  if (offset > 0 || t < SPLIT_QUERIES_FROM || t % 2 !== 0) return attend(q, k, v, t, offset);
  const half = t / 2;
  const [q1, q2] = tf.split(q, 2, 2) as [tf.Tensor4D, tf.Tensor4D]; // its gradient is one concat, two slices' would be two pads and an add
  const firstKeys = (x: tf.Tensor4D): tf.Tensor4D => tf.slice(x, [0, 0, 0, 0], [b, kvHeads, half, d]);
  const first = attend(q1, firstKeys(k), firstKeys(v), half, 0);
  const second = attend(q2, k, v, half, half);
  return tf.concat([first, second], 2) as tf.Tensor4D;
}
