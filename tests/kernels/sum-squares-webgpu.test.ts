import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { sumOfSquares } from '../../engine/kernels/sum-squares';
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
