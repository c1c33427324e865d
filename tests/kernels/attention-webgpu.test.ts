import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { causalSoftmax, composedCausalSoftmax } from '../../engine/kernels/causal-softmax';
import { referenceCausalSoftmax, referenceCausalSoftmaxGrad, type CausalSoftmaxShape } from '../../engine/kernels/reference/causal-softmax';
import { attentionScores, attentionValues } from '../../engine/model/attention-matmul';
import { withoutGpuErrors } from './gpu-checks';
import { maxAbsDiff, randomNormal } from './helpers';

/**
 * Attention's fused causal softmax (WGSL) against its float64 reference and against the composed tfjs ops, forward
 * and backward, on real WebGPU (Dawn on lavapipe); and the attention products' written-out gradients against
 * autodiff of tf.matMul.
 */

interface Case {
  name: string;
  shape: number[]; // scores [..., S], rows stacked in blocks of T queries
  T: number;
  offset: number;
}

const CASES: Case[] = [
  { name: 'training: 2 batches × 2 kv heads × (2 query heads × 37 queries) over 37 keys', shape: [2, 2, 74, 37], T: 37, offset: 0 },
  { name: 'prefill after a cache: 3 queries at offset 5', shape: [1, 3, 3, 8], T: 3, offset: 5 },
  { name: 'one decode step: 1 query at offset 20', shape: [2, 4, 1, 21], T: 1, offset: 20 },
  { name: 'rows not a multiple of the workgroup (65 rows), 130 keys', shape: [65, 130], T: 130 / 2, offset: 65 },
];

beforeAll(async () => {
  await setBackend('webgpu');
});

describe.each(CASES)('causal softmax, $name', (c) => {
  const S = c.shape[c.shape.length - 1]!;
  const size = c.shape.reduce((a, b) => a * b, 1);
  const spec: CausalSoftmaxShape = { rows: size / S, S, T: c.T, offset: c.offset, scale: 0.3 };
  const scoresHost = Float32Array.from(randomNormal(size, size + 1), (v) => 4 * v);
  const dyHost = Float32Array.from(randomNormal(size, size + 2));

  test('the kernel matches the reference forward and backward, masked keys exactly 0', async () => {
    await withoutGpuErrors(async () => {
      const before = tf.memory().numTensors;
      const scores = tf.tensor(scoresHost, c.shape);
      const dy = tf.tensor(dyHost, c.shape);
      const probs = causalSoftmax(scores, c.T, c.offset, spec.scale);
      const grad = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(causalSoftmax(s, c.T, c.offset, spec.scale), dy)))(scores);
      const p = await probs.data();
      const g = await grad.data();
      const refP = referenceCausalSoftmax(scoresHost, spec);
      const refG = referenceCausalSoftmaxGrad(refP, dyHost, spec);
      expect(maxAbsDiff(p, refP)).toBeLessThan(1e-6);
      expect(maxAbsDiff(g, refG)).toBeLessThan(1e-6);
      for (let r = 0; r < spec.rows; r++) {
        for (let j = c.offset + (r % c.T) + 1; j < S; j++) {
          expect(p[r * S + j]).toBe(0);
          expect(g[r * S + j]).toBe(0);
        }
      }
      tf.dispose([scores, dy, probs, grad]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  test('the kernel matches the composed tfjs ops (the other backends’ path)', async () => {
    await withoutGpuErrors(async () => {
      const scores = tf.tensor(scoresHost, c.shape);
      const dy = tf.tensor(dyHost, c.shape);
      const loss = (f: typeof causalSoftmax) => (s: tf.Tensor) => tf.sum(tf.mul(f(s, c.T, c.offset, spec.scale), dy));
      const fused = await causalSoftmax(scores, c.T, c.offset, spec.scale).data();
      const composed = await composedCausalSoftmax(scores, c.T, c.offset, spec.scale).data();
      const gFused = await tf.grad(loss(causalSoftmax))(scores).data();
      const gComposed = await tf.grad(loss(composedCausalSoftmax))(scores).data();
      expect(maxAbsDiff(fused, composed)).toBeLessThan(1e-6);
      expect(maxAbsDiff(gFused, gComposed)).toBeLessThan(1e-6);
      tf.disposeVariables();
    });
  });
});

test('causalSoftmax rejects scores whose key count is not offset + queries', () => {
  const scores = tf.zeros([2, 4, 6]);
  expect(() => causalSoftmax(scores, 4, 1, 1)).toThrow(/do not hold blocks of 4 queries over 1 cached \+ 4 new keys/);
  scores.dispose();
});

// Rows ≥ 128: the products go through the transposed copies (attention-matmul.ts), which autodiff does not see.
test.each([
  ['scores q·kᵀ', [2, 2, 160, 8], [2, 2, 80, 8]],
  ['values p·v', [2, 2, 160, 80], [2, 2, 80, 8]],
] as const)('%s: value and both gradients match tf.matMul autodiff', async (name, aShape, bShape) => {
  await withoutGpuErrors(async () => {
    const scoresSide = name.startsWith('scores');
    const a = tf.tensor(Float32Array.from(randomNormal(aShape.reduce((x, y) => x * y, 1), 11)), [...aShape]) as tf.Tensor4D;
    const b = tf.tensor(Float32Array.from(randomNormal(bShape.reduce((x, y) => x * y, 1), 12)), [...bShape]) as tf.Tensor4D;
    const ours = (x: tf.Tensor4D, y: tf.Tensor4D) => (scoresSide ? attentionScores(x, y) : attentionValues(x, y));
    const plain = (x: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor4D => tf.matMul(x, y, false, scoresSide);
    const value = ours(a, b);
    const w = tf.tensor(Float32Array.from(randomNormal(value.size, 13)), value.shape);
    const weighted = (f: typeof ours) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x as tf.Tensor4D, y as tf.Tensor4D), w));
    expect(maxAbsDiff(await value.data(), await plain(a, b).data())).toBeLessThan(1e-4);
    const [da, db] = tf.grads(weighted(ours))([a, b]);
    const [pa, pb] = tf.grads(weighted(plain))([a, b]);
    expect(maxAbsDiff(await da!.data(), await pa!.data())).toBeLessThan(1e-3);
    expect(maxAbsDiff(await db!.data(), await pb!.data())).toBeLessThan(1e-3);
  });
});
