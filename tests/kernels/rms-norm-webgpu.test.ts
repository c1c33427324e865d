import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { composedRmsNorm, rmsNorm } from '../../engine/kernels/rms-norm';
import { matMulFrozenT } from '../../engine/model/frozen-matmul';
import { referenceRmsNorm, referenceRmsNormGrad } from '../../engine/kernels/reference/rms-norm';
import { withoutGpuErrors } from './gpu-checks';
import { maxAbsDiff, randomNormal } from './helpers';

/** The fused RMSNorm (WGSL) against its float64 reference and the composed tfjs ops, forward and backward, on Dawn. */

beforeAll(async () => {
  await setBackend('webgpu');
});

test.each([
  ['hidden states [2, 37, 96]', [2, 37, 96], 1e-5],
  ["Qwen3's per-head norm [1, 3, 5, 8]", [1, 3, 5, 8], 1e-6],
  ['65 rows (not a multiple of the workgroup) of 3', [65, 3], 1e-5],
] as const)('%s: kernel = reference = composed ops, forward and gradient to x', async (_name, shape, eps) => {
  await withoutGpuErrors(async () => {
    const before = tf.memory().numTensors;
    const n = shape[shape.length - 1]!;
    const size = (shape as readonly number[]).reduce((a, b) => a * b, 1);
    const rows = size / n;
    // Rows at very different scales: the normalisation must hold for each.
    const xHost = Float32Array.from(randomNormal(size, size), (v, i) => v * 10 ** ((Math.floor(i / n) % 5) - 2));
    const wHost = Float32Array.from(randomNormal(n, n + 1), (v) => 1 + 0.5 * v);
    const dyHost = Float32Array.from(randomNormal(size, size + 2));
    const x = tf.tensor(xHost, [...shape]);
    const w = tf.tensor1d(wHost);
    const dy = tf.tensor(dyHost, [...shape]);
    const loss = (f: typeof rmsNorm) => (v: tf.Tensor) => tf.sum(tf.mul(f(v, w, eps), dy));
    const outs = [rmsNorm(x, w, eps), tf.grad(loss(rmsNorm))(x), composedRmsNorm(x, w, eps), tf.grad(loss(composedRmsNorm))(x)];
    const [y, g, yComposed, gComposed] = await Promise.all(outs.map((t) => t.data()));
    tf.dispose(outs);
    const yRef = referenceRmsNorm(xHost, wHost, rows, eps);
    const gRef = referenceRmsNormGrad(xHost, wHost, dyHost, rows, eps);
    const yScale = Math.max(...yRef.map(Math.abs));
    expect(maxAbsDiff(y!, yRef) / yScale).toBeLessThan(1e-6);
    expect(maxAbsDiff(yComposed!, yRef) / yScale).toBeLessThan(1e-6);
    // The gradient scales with 1/rms per row: compare row by row, relative to that row's largest entry.
    for (let r = 0; r < rows; r++) {
      const sl = (a: ArrayLike<number>) => Array.from({ length: n }, (_, j) => a[r * n + j]!);
      const scale = Math.max(...sl(gRef).map(Math.abs), 1e-30);
      expect(maxAbsDiff(sl(g!), sl(gRef)) / scale).toBeLessThan(1e-5);
      expect(maxAbsDiff(sl(gComposed!), sl(gRef)) / scale).toBeLessThan(1e-4);
    }
    tf.dispose([x, w, dy]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('rmsNorm names both shapes when the weight does not match', () => {
  const x = tf.zeros([2, 4]);
  const w = tf.ones([3]) as tf.Tensor1D;
  expect(() => rmsNorm(x, w, 1e-6)).toThrow(/weight \[3\] does not match the last axis of x \[2, 4\]/);
  tf.dispose([x, w]);
});

// The demo build trains every weight as a Variable: the fused paths, whose gradient goes to their input only, must
// step aside there, or the weight would silently get no gradient.
test('a trainable norm weight, and a trainable projection of ≥ 128 rows, still get their gradients on webgpu', async () => {
  await withoutGpuErrors(async () => {
    const x = tf.tensor2d(Float32Array.from(randomNormal(130 * 8, 5)), [130, 8]);
    const norm = tf.variable(tf.tensor1d(Float32Array.from(randomNormal(8, 6))), true, 'trainable_norm_weight');
    const proj = tf.variable(tf.tensor2d(Float32Array.from(randomNormal(6 * 8, 7)), [6, 8]), true, 'trainable_projection');
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(matMulFrozenT(rmsNorm(x, norm, 1e-6), proj))), [norm, proj]);
    const expected = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(composedRmsNorm(x, norm, 1e-6), proj, false, true))), [norm, proj]).grads;
    for (const name of ['trainable_norm_weight', 'trainable_projection']) {
      expect(grads[name]).toBeDefined();
      const scale = Math.max(...Array.from(await expected[name]!.data(), Math.abs));
      expect(maxAbsDiff(await grads[name]!.data(), await expected[name]!.data()) / scale).toBeLessThan(1e-5);
    }
    tf.dispose([x, norm, proj, ...Object.values(grads), ...Object.values(expected)]);
  });
});
