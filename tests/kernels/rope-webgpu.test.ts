import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { ropeWebGPU } from '../../engine/kernels/rope';
import { referenceRope } from '../../engine/kernels/reference/rope';
import { withoutGpuErrors } from './gpu-checks';
import { maxAbsDiff, randomNormal } from './helpers';

/** RoPE's fused kernel (WGSL) against its float64 reference, forward and gradient, on Dawn. */

beforeAll(async () => {
  await setBackend('webgpu');
});

test.each([
  ['training [2, 3, 17, 8] from position 0', [2, 3, 17, 8], 0],
  ['a decode step [2, 4, 1, 16] at position 40', [2, 4, 1, 16], 40],
  ['prefill after a cache [1, 2, 5, 4] at position 7', [1, 2, 5, 4], 7],
] as const)('%s: kernel = reference, forward and gradient', async (_name, shape, offset) => {
  await withoutGpuErrors(async () => {
    const before = tf.memory().numTensors;
    const [, , T, D] = shape;
    const maxLen = 64;
    const size = (shape as readonly number[]).reduce((a, b) => a * b, 1);
    // Any tables: the kernel reads them as given (distinct values everywhere catch a wrong index).
    const cosH = Float32Array.from(randomNormal(maxLen * D, 1));
    const sinH = Float32Array.from(randomNormal(maxLen * D, 2));
    const xH = Float32Array.from(randomNormal(size, 3));
    const dyH = Float32Array.from(randomNormal(size, 4));
    const cos = tf.tensor2d(cosH, [maxLen, D]);
    const sin = tf.tensor2d(sinH, [maxLen, D]);
    const x = tf.tensor4d(xH, [...shape]);
    const dy = tf.tensor4d(dyH, [...shape]);
    const y = ropeWebGPU(x, cos, sin, offset);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(ropeWebGPU(v as tf.Tensor4D, cos, sin, offset), dy)))(x);
    const layout = { T, D, offset };
    expect(maxAbsDiff(await y.data(), referenceRope(xH, cosH, sinH, layout))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await g.data(), referenceRope(dyH, cosH, sinH, layout, true))).toBeLessThan(1e-5);
    tf.dispose([cos, sin, x, dy, y, g]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
