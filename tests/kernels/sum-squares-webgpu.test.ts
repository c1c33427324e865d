import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { sumOfSquares, sumOfSquaresOfAll } from '../../engine/kernels/sum-squares';
import { globalNorm } from '../../engine/train/trainer';
import { withoutGpuErrors } from './gpu-checks';
import { randomNormal } from './helpers';

/** The gradient norm's one-dispatch Σ x² against float64, on Dawn. */

beforeAll(async () => {
  await setBackend('webgpu');
});

test.each([[[16, 128]], [[1]], [[3, 5, 7]], [[100_003]]])('Σ x² of a tensor of shape %j equals the float64 sum', async (shape) => {
  await withoutGpuErrors(async () => {
    const before = tf.memory().numTensors;
    const n = shape.reduce((a, b) => a * b, 1);
    const host = Float32Array.from(randomNormal(n, n));
    const x = tf.tensor(host, shape);
    const s = sumOfSquares(x);
    expect(s.shape).toEqual([]);
    const want = host.reduce((acc, v) => acc + v * v, 0);
    expect(Math.abs((await s.data())[0]! - want) / want).toBeLessThan(1e-5);
    tf.dispose([x, s]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('the global gradient norm is √Σ over tensors', async () => {
  const grads = [tf.tensor1d([3, 0]), tf.tensor2d([[4]]), tf.tensor1d([0, 12])];
  const norm = globalNorm(grads);
  expect((await norm.data())[0]).toBeCloseTo(13, 5);
  tf.dispose([...grads, norm]);
});

test.each([
  ['one concatenation', Infinity],
  ['groups of at most 2 KiB (each larger tensor alone)', 2048],
])('Σ x² over 40 tensors of mixed shapes, %s, equals the float64 sum and leaves no tensor', async (_, groupBytes) => {
  await withoutGpuErrors(async () => {
    const shapes = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? [16, 33] : i % 3 === 1 ? [7] : [600]));
    const hosts = shapes.map((s, i) => Float32Array.from(randomNormal(s.reduce((a, b) => a * b, 1), 100 + i)));
    const xs = hosts.map((h, i) => tf.tensor(h, shapes[i]));
    const before = tf.memory().numTensors;
    const s = sumOfSquaresOfAll(xs, groupBytes);
    const want = hosts.reduce((acc, h) => acc + h.reduce((a, v) => a + v * v, 0), 0);
    expect(Math.abs((await s.data())[0]! - want) / want).toBeLessThan(1e-5);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(xs);
  });
});
