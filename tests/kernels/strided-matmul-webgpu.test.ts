import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { stridedMatMul } from '../../engine/kernels/strided-matmul';
import { referenceStridedMatMul } from '../../engine/kernels/reference/strided-matmul';
import { withoutGpuErrors } from './gpu-checks';
import { maxAbs, maxAbsDiff, randomNormal } from './helpers';

/** The strided matmul (WGSL) against its float64 reference, on Dawn: every transposition, with and without an addend. */

beforeAll(async () => {
  await setBackend('webgpu');
});

const rowMajor = (_rows: number, cols: number, transposed: boolean): [number, number] => (transposed ? [1, cols] : [cols, 1]);

test.each([
  // [m, n, k, transposeA, transposeB, addend?, transposeAddend]: LoRA's shapes, then widths that leave part of the
  // last column group empty (n = 3, 12, 37), and a reduction over 300 rows.
  ["x·Aᵀ [130, 40]·[16, 40]ᵀ", 130, 16, 40, false, true, false, false],
  ['dy·B [130, 24]·[24, 16]', 130, 16, 24, false, false, false, false],
  ['dhᵀ·x [130, 16]ᵀ·[130, 40]', 16, 40, 130, true, false, false, false],
  ['dyᵀ·down [300, 37]ᵀ·[300, 8]', 37, 8, 300, true, false, false, false],
  ['W + s·B·A [24, 40]', 24, 40, 16, false, false, true, false],
  ['(W + s·B·A)ᵀ written transposed [40, 24]', 40, 24, 16, true, true, true, true],
  ['n = 3', 5, 3, 7, false, false, false, false],
  ['n = 12, both transposed', 9, 12, 6, true, true, true, false],
] as const)('%s: kernel = reference', async (_name, m, n, k, ta, tb, withAddend, tc) => {
  await withoutGpuErrors(async () => {
    const before = tf.memory().numTensors;
    const aShape: [number, number] = ta ? [k, m] : [m, k];
    const bShape: [number, number] = tb ? [n, k] : [k, n];
    const cShape: [number, number] = tc ? [n, m] : [m, n];
    const aHost = Float32Array.from(randomNormal(m * k, m + 1));
    const bHost = Float32Array.from(randomNormal(k * n, n + 2));
    const cHost = Float32Array.from(randomNormal(m * n, k + 3));
    const [a, b, c] = [tf.tensor2d(aHost, aShape), tf.tensor2d(bHost, bShape), tf.tensor2d(cHost, cShape)];
    const alpha = 0.75;
    const out = stridedMatMul(a, b, { transposeA: ta, transposeB: tb, alpha, ...(withAddend ? { addend: c, transposeAddend: tc } : {}) });
    expect(out.shape).toEqual([m, n]);
    const got = await out.data();
    const want = referenceStridedMatMul(
      { m, n, k, alpha, aStrides: rowMajor(...aShape, ta), bStrides: rowMajor(...bShape, tb), cStrides: withAddend ? rowMajor(...cShape, tc) : undefined },
      aHost, bHost, withAddend ? cHost : undefined,
    );
    expect(maxAbsDiff(got, want) / maxAbs(want)).toBeLessThan(1e-5);
    tf.dispose([a, b, c, out]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Random operands a [m, k] and b [k, n], each stored transposed where asked, with their host copies and strides. */
function operands(m: number, n: number, k: number, ta: boolean, tb: boolean, seed: number) {
  const aShape: [number, number] = ta ? [k, m] : [m, k];
  const bShape: [number, number] = tb ? [n, k] : [k, n];
  const aHost = Float32Array.from(randomNormal(m * k, m + seed));
  const bHost = Float32Array.from(randomNormal(k * n, n + seed + 1));
  return { aHost, bHost, a: tf.tensor2d(aHost, aShape), b: tf.tensor2d(bHost, bShape), aStrides: rowMajor(...aShape, ta), bStrides: rowMajor(...bShape, tb) };
}

test.each([
  // [m, n, k, transposeA, transposeB, start, count]: a LoRA gradient over the training rows of a folded batch (the first
  // rows) and over the anchors' rows after them, either operand stored transposed.
  ['dhᵀ·x over rows [0, 96) of 130', 16, 40, 130, true, false, 0, 96],
  ['dhᵀ·x over rows [96, 130) of 130', 16, 40, 130, true, false, 96, 34],
  ['dyᵀ·down over rows [250, 300)', 37, 8, 300, true, false, 250, 50],
  ['a·bᵀ over k in [3, 9) of 12', 9, 12, 12, false, true, 3, 6],
] as const)('%s: kernel = reference', async (_name, m, n, k, ta, tb, start, count) => {
  await withoutGpuErrors(async () => {
    const before = tf.memory().numTensors;
    const { aHost, bHost, a, b, aStrides, bStrides } = operands(m, n, k, ta, tb, 5);
    const out = stridedMatMul(a, b, { transposeA: ta, transposeB: tb, alpha: 1.5, contraction: { start, count } });
    expect(out.shape).toEqual([m, n]);
    const want = referenceStridedMatMul({ m, n, k: count, alpha: 1.5, aStrides, bStrides, aOffset: start * aStrides[1], bOffset: start * bStrides[0] }, aHost, bHost);
    expect(maxAbsDiff(await out.data(), want) / maxAbs(want)).toBeLessThan(1e-5);
    // The same as the full product of the sliced operands.
    const sliced = tf.tidy(() => {
      const aPart = ta ? tf.slice(a, [start, 0], [count, -1]) : tf.slice(a, [0, start], [-1, count]);
      const bPart = tb ? tf.slice(b, [0, start], [-1, count]) : tf.slice(b, [start, 0], [count, -1]);
      return tf.mul(tf.matMul(aPart, bPart, ta, tb), 1.5);
    });
    expect(maxAbsDiff(await sliced.data(), want) / maxAbs(want)).toBeLessThan(1e-5);
    tf.dispose([a, b, out, sliced]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

test.each([
  // [name, m, n, k, transposeA, transposeB, start, count, along, blocks, kStride]: SPF's anchor groups after a training
  // batch's rows — d slotA = upᵀ·x per group (row blocks of r) and d slotB = dyᵀ·down per group (column blocks of r).
  ['d slotA: 3 groups of 20 rows after 40, r = 8', 8, 24, 100, true, false, 40, 20, 'rows', 3, 20],
  ['d slotB: 4 groups of 12 rows after 36, r = 8', 30, 8, 84, true, false, 36, 12, 'cols', 4, 12],
  ['d slotB with r = 12 (4 columns an invocation)', 10, 12, 60, true, false, 12, 16, 'cols', 3, 16],
  ['row blocks with b read transposed', 5, 7, 40, false, true, 4, 9, 'rows', 4, 9],
] as const)('%s: blocks = reference = the blocks one by one', async (_name, m, n, k, ta, tb, start, count, along, nBlocks, kStride) => {
  await withoutGpuErrors(async () => {
    const before = tf.memory().numTensors;
    const { aHost, bHost, a, b, aStrides, bStrides } = operands(m, n, k, ta, tb, 7);
    const out = stridedMatMul(a, b, { transposeA: ta, transposeB: tb, alpha: 0.5, contraction: { start, count }, blocks: { along, count: nBlocks, kStride } });
    expect(out.shape).toEqual(along === 'rows' ? [nBlocks * m, n] : [m, nBlocks * n]);
    const shifts = { aShift: kStride * aStrides[1], bShift: kStride * bStrides[0] };
    const want = referenceStridedMatMul(
      {
        m: along === 'rows' ? nBlocks * m : m, n: along === 'rows' ? n : nBlocks * n, k: count, alpha: 0.5, aStrides, bStrides,
        aOffset: start * aStrides[1], bOffset: start * bStrides[0],
        ...(along === 'rows' ? { rowBlocks: { size: m, ...shifts } } : { colBlocks: { size: n, ...shifts } }),
      },
      aHost, bHost,
    );
    const got = await out.data();
    expect(maxAbsDiff(got, want) / maxAbs(want)).toBeLessThan(1e-5);
    const oneByOne = tf.tidy(() => tf.concat(Array.from({ length: nBlocks }, (_, q) => stridedMatMul(a, b, { transposeA: ta, transposeB: tb, alpha: 0.5, contraction: { start: start + q * kStride, count } })), along === 'rows' ? 0 : 1));
    expect(maxAbsDiff(await oneByOne.data(), want) / maxAbs(want)).toBeLessThan(1e-5);
    tf.dispose([a, b, out, oneByOne]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('a contraction outside k is an error naming it', () => {
  const a = tf.zeros([4, 3]) as tf.Tensor2D;
  const b = tf.zeros([3, 2]) as tf.Tensor2D;
  expect(() => stridedMatMul(a, b, { contraction: { start: 2, count: 2 } })).toThrow(/contraction \[2, 4\) is not within k = 3/);
  expect(() => stridedMatMul(a, b, { contraction: { start: 0, count: 1 }, blocks: { along: 'rows', count: 3, kStride: 1 } }).dispose()).not.toThrow();
  expect(() => stridedMatMul(a, b, { contraction: { start: 0, count: 2 }, blocks: { along: 'rows', count: 3, kStride: 1 } })).toThrow(/in 3 blocks 1 apart is not within k = 3/);
  tf.dispose([a, b]);
});

test('the reference is the product of tfjs ops', async () => {
  await withoutGpuErrors(async () => {
    const a = tf.randomNormal([7, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([6, 7], 0, 1, 'float32', 2) as tf.Tensor2D;
    const c = tf.randomNormal([5, 6], 0, 1, 'float32', 3) as tf.Tensor2D;
    const want = tf.tidy(() => tf.add(tf.mul(tf.matMul(a, b, true, true), 2), c));
    const got = referenceStridedMatMul({ m: 5, n: 6, k: 7, alpha: 2, aStrides: [1, 5], bStrides: [1, 7], cStrides: [6, 1] }, await a.data(), await b.data(), await c.data());
    expect(maxAbsDiff(got, await want.data())).toBeLessThan(1e-4);
    tf.dispose([a, b, c, want]);
  });
});

test('mismatched shapes are an error naming them', () => {
  const a = tf.zeros([4, 3]) as tf.Tensor2D;
  expect(() => stridedMatMul(a, a)).toThrow(/\[4, 3\] · \[4, 3\]/);
  a.dispose();
});
