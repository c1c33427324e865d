import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { matMulFrozenT, matMulTransposedB, MIN_ROWS_TO_TRANSPOSE } from '../../engine/model/frozen-matmul';
import { loraDelta } from '../../engine/model/lora-delta';
import { mergedLoraLinear, mergePays } from '../../engine/model/merged-lora';

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

// One row (the strided kernel on WebGPU), and row counts on both sides of the transposed-copy threshold: tfjs's
// transposed-B path and the copy's.
const ROWS = [1, MIN_ROWS_TO_TRANSPOSE - 1, MIN_ROWS_TO_TRANSPOSE + 61];

describe.each(BACKENDS)('products by a transposed weight on %s', (backend) => {
  test.each(ROWS)('x·Wᵀ of a frozen W and its gradient to x equal tf.matMul(x, W, false, true)\'s, %i rows', async (rows) => {
    await setBackend(backend);
    const x = tf.randomNormal([rows, 40], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([24, 40], 0, 1, 'float32', 2) as tf.Tensor2D;
    const dy = tf.randomNormal([rows, 24], 0, 1, 'float32', 3) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const ours = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(matMulFrozenT(v as tf.Tensor2D, w), dy)))(x);
    const plain = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.matMul(v as tf.Tensor2D, w, false, true), dy)))(x);
    expect(await maxAbsDiff(ours, plain)).toBeLessThan(1e-4);
    const [y1, y2] = [matMulFrozenT(x, w), tf.matMul(x, w, false, true)];
    const [y3] = [matMulTransposedB(x, w)];
    expect(await maxAbsDiff(y1, y2)).toBeLessThan(1e-4);
    expect(await maxAbsDiff(y3, y2)).toBeLessThan(1e-4);
    tf.dispose([ours, plain, y1, y2, y3]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, dy]);
  });

  test.each(ROWS)('LoRA\'s delta and its gradients to x, A and B equal autodiff of the composed ops, %i rows', async (rows) => {
    await setBackend(backend);
    const x = tf.randomNormal([rows, 40], 0, 1, 'float32', 4) as tf.Tensor2D;
    const a = tf.randomNormal([4, 40], 0, 0.3, 'float32', 5) as tf.Tensor2D;
    const b = tf.randomNormal([24, 4], 0, 0.3, 'float32', 6) as tf.Tensor2D;
    const dy = tf.randomNormal([rows, 24], 0, 1, 'float32', 7) as tf.Tensor2D;
    const scale = 2.5;
    // What the model computed before: autodiff of two transposed-B matmuls.
    const composed = (v: tf.Tensor2D, av: tf.Tensor2D, bv: tf.Tensor2D): tf.Tensor2D => tf.matMul(tf.mul(tf.matMul(v, av, false, true), scale) as tf.Tensor2D, bv, false, true);
    const before = tf.memory().numTensors;
    const ours = tf.grads((v: tf.Tensor, av: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(loraDelta(v as tf.Tensor2D, av as tf.Tensor2D, bv as tf.Tensor2D, scale), dy)))([x, a, b]);
    const plain = tf.grads((v: tf.Tensor, av: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(composed(v as tf.Tensor2D, av as tf.Tensor2D, bv as tf.Tensor2D), dy)))([x, a, b]);
    for (let i = 0; i < 3; i++) expect(await maxAbsDiff(ours[i]!, plain[i]!), `gradient ${['x', 'A', 'B'][i]}`).toBeLessThan(2e-3);
    const [v1, v2] = [loraDelta(x, a, b, scale), tf.tidy(() => composed(x, a, b))];
    expect(await maxAbsDiff(v1, v2)).toBeLessThan(1e-4);
    tf.dispose([...ours, ...plain, v1, v2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, a, b, dy]);
  });

  test.each(ROWS)('the merged LoRA projection x·(W + s·B·A)ᵀ and its gradients to x, A and B equal autodiff of the unmerged ops, %i rows', async (rows) => {
    await setBackend(backend);
    const before = tf.memory().numTensors;
    await expectMergedEqualsUnmerged({ rows, inp: 40, out: 24, r: 4, wStd: 1, loraStd: 0.3, scale: 2.5, seed: 8 }, 2e-3, 1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('merging pays on WebGPU for a training batch, for a short anchor only on a small model, never for a trained W', async () => {
    await setBackend(backend);
    const small = tf.zeros([128, 128]) as tf.Tensor2D;
    const gate = tf.zeros([1536, 576]) as tf.Tensor2D; // SmolLM2-135M's gate_proj
    const trained = tf.variable(tf.zeros([128, 128]), true) as tf.Variable<tf.Rank.R2>;
    const onGpu = backend === 'webgpu';
    expect(mergePays(1024, gate)).toBe(onGpu);
    expect(mergePays(48, small)).toBe(onGpu);
    expect(mergePays(48, gate)).toBe(false);
    expect(mergePays(1024, trained)).toBe(false);
    tf.dispose([small, gate, trained]);
  });
});

describe('the merged LoRA projection at a real shape on webgpu', () => {
  test("SmolLM2-135M's gate_proj (W [1536, 576], 1024 rows, r = 16): value and gradients equal the unmerged ops'", async () => {
    await setBackend('webgpu');
    await expectMergedEqualsUnmerged({ rows: 1024, inp: 576, out: 1536, r: 16, wStd: 0.04, loraStd: 0.04, scale: 2, seed: 1 }, 1e-4, 1e-4, true);
  });
});

interface MergeCase {
  rows: number;
  inp: number;
  out: number;
  r: number;
  wStd: number;
  loraStd: number;
  scale: number;
  seed: number;
}

/**
 * mergedLoraLinear against autodiff of x·Wᵀ + s·(x·Aᵀ)·Bᵀ: the value and the gradients to x, A and B of Σ y ⊙ dy.
 * Errors relative to the largest entry when `relative`, absolute otherwise.
 */
async function expectMergedEqualsUnmerged(c: MergeCase, gradTol: number, valueTol: number, relative = false): Promise<void> {
  const x = tf.randomNormal([c.rows, c.inp], 0, 1, 'float32', c.seed) as tf.Tensor2D;
  const w = tf.randomNormal([c.out, c.inp], 0, c.wStd, 'float32', c.seed + 1) as tf.Tensor2D;
  const a = tf.randomNormal([c.r, c.inp], 0, c.loraStd, 'float32', c.seed + 2) as tf.Tensor2D;
  const b = tf.randomNormal([c.out, c.r], 0, c.loraStd, 'float32', c.seed + 3) as tf.Tensor2D;
  const dy = tf.randomNormal([c.rows, c.out], 0, 1, 'float32', c.seed + 4) as tf.Tensor2D;
  const unmerged = (v: tf.Tensor2D, av: tf.Tensor2D, bv: tf.Tensor2D): tf.Tensor2D =>
    tf.add(tf.matMul(v, w, false, true), tf.matMul(tf.mul(tf.matMul(v, av, false, true), c.scale) as tf.Tensor2D, bv, false, true));
  const merged = (v: tf.Tensor2D, av: tf.Tensor2D, bv: tf.Tensor2D): tf.Tensor2D => mergedLoraLinear(v, w, av, bv, c.scale);
  const loss = (f: typeof unmerged) => (v: tf.Tensor, av: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor2D, av as tf.Tensor2D, bv as tf.Tensor2D), dy));
  const ours = tf.grads(loss(merged))([x, a, b]);
  const plain = tf.grads(loss(unmerged))([x, a, b]);
  const values = [merged(x, a, b), tf.tidy(() => unmerged(x, a, b))];
  const pairs: [tf.Tensor, tf.Tensor, string, number][] = [[values[0]!, values[1]!, 'value', valueTol], ...['x', 'A', 'B'].map((n, i): [tf.Tensor, tf.Tensor, string, number] => [ours[i]!, plain[i]!, `gradient ${n}`, gradTol])];
  for (const [got, want, what, tol] of pairs) {
    const scale = relative ? Math.max(...(await tf.abs(want).max().data())) : 1;
    expect((await maxAbsDiff(got, want)) / scale, what).toBeLessThan(tol);
  }
  tf.dispose([x, w, a, b, dy, ...ours, ...plain, ...values]);
}
