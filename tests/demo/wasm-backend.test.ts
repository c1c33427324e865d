/**
 * The demo build's wasm backend: tfjs-backend-wasm plus the build's own UnsortedSegmentSum kernel (the gradient of the
 * embedding lookup), held to tfjs-cpu's kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { selectWasmBackend } from '../../scripts/demo/train/wasm-backend';
import { setBackend } from '../helpers/backend';

const TABLE = Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i) * 0.5); // [7, 3]
const IDS = [[1, 4, 4, 0], [6, 1, 1, 2]]; // [2, 4]: repeated ids must accumulate
const UPSTREAM = Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.cos(i)); // [2, 4, 3]

async function embeddingGrad(): Promise<{ grad: number[]; segments: number[]; tensorsLeft: number }> {
  const before = tf.memory().numTensors;
  const grad = tf.tidy(() => {
    const table = tf.tensor2d(TABLE, [7, 3]);
    const up = tf.tensor3d(UPSTREAM, [2, 4, 3]);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor2d(IDS, [2, 4], 'int32')), up)))(table);
  });
  const segments = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), tf.tensor1d([2, 0, 2], 'int32'), 4));
  const out = { grad: Array.from(await grad.data()), segments: Array.from(await segments.data()) };
  tf.dispose([grad, segments]);
  return { ...out, tensorsLeft: tf.memory().numTensors - before };
}

describe('wasm backend for the demo build', () => {
  test('the embedding gradient (UnsortedSegmentSum) matches tfjs-cpu and leaks nothing', async () => {
    await setBackend('cpu');
    const cpu = await embeddingGrad();
    await selectWasmBackend();
    expect(tf.getBackend()).toBe('wasm');
    const wasm = await embeddingGrad();
    expect(wasm.segments).toEqual([3, 4, 0, 0, 6, 8, 0, 0]);
    expect(wasm.segments).toEqual(cpu.segments);
    wasm.grad.forEach((g, i) => expect(g).toBeCloseTo(cpu.grad[i]!, 5));
    expect(wasm.tensorsLeft).toBe(0);
    // A row no id points at gets no gradient; row 1 (three uses) the sum of three upstream rows.
    expect(wasm.grad.slice(3 * 3, 4 * 3)).toEqual([0, 0, 0]);
  });
});
