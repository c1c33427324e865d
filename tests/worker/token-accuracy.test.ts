import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../helpers/backend';
import { argmaxOverChunks } from '../../engine/run/token-accuracy';

// Token accuracy's argmax walks the lm_head in vocabulary chunks and the rows in blocks; it must agree with the plain
// argmax of the whole logits, ties included, and leave no tensor behind.

beforeAll(async () => {
  await setBackend('cpu');
});

describe('token accuracy', () => {
  it('argmax over vocabulary chunks and row blocks equals the argmax of the whole logits', () => {
    const before = tf.memory().numTensors;
    const h = tf.randomNormal([7, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([23, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
    const chunks = [w.slice([0, 0], [10, 5]), w.slice([10, 0], [10, 5]), w.slice([20, 0], [3, 5])] as tf.Tensor2D[];
    const whole = tf.tidy(() => tf.argMax(tf.matMul(h, w, false, true), -1));
    const expected = Array.from(whole.dataSync());
    whole.dispose();
    for (const tileBytes of [4, 10 * 4 * 3, 1 << 20]) {
      // 4 bytes: one row per block; 120: three rows; 1 MiB: one block
      const got = argmaxOverChunks(h, chunks, tileBytes);
      expect(Array.from(got.dataSync())).toEqual(expected);
      got.dispose();
    }
    // A tie across chunks goes to the lower token id, as tf.argMax does.
    const tie = tf.tensor2d([[1, 0]]);
    const same = [tf.tensor2d([[0, 1]]), tf.tensor2d([[2, 0]]), tf.tensor2d([[2, 0]])];
    const tied = argmaxOverChunks(tie, same, 1 << 20);
    expect(Array.from(tied.dataSync())).toEqual([1]);
    tf.dispose([h, w, ...chunks, tie, ...same, tied]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
