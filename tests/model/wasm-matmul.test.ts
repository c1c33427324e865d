import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { mulberry32 } from '../../engine/util/random';

/** Every transpose combination, 2-D, batched, and with a broadcast batch: (a shape, b shape, transposeA, transposeB). */
const CASES: [number[], number[], boolean, boolean][] = [
  [[5, 7], [7, 3], false, false],
  [[5, 7], [3, 7], false, true],
  [[7, 5], [7, 3], true, false],
  [[7, 5], [3, 7], true, true],
  [[2, 3, 5, 7], [2, 3, 3, 7], false, true], // attention's q·kᵀ shape
  [[4, 7, 5], [4, 7, 3], true, false],
  [[4, 5, 7], [1, 3, 7], false, true], // b broadcast over the batch
];

function values(shape: number[], seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((n, d) => n * d, 1) }, () => 2 * rand() - 1);
}

// The wasm backend's BatchMatMul is replaced by one that transposes its operands explicitly (engine/device/wasm-kernels.ts):
// the same products as tfjs-cpu's, and nothing left behind on the wasm heap.
test('wasm BatchMatMul with transposed operands: tfjs-cpu\'s products, no data left behind', async () => {
  const run = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
    await setBackend(backend);
    const out: Float32Array[] = [];
    const dataIds = (): number => tf.engine().backend.numDataIds();
    const before = dataIds();
    for (const [i, [as, bs, ta, tb]] of CASES.entries()) {
      const y = tf.tidy(() => tf.matMul(tf.tensor(values(as, i), as), tf.tensor(values(bs, 100 + i), bs), ta, tb));
      out.push((await y.data()) as Float32Array);
      y.dispose();
    }
    // Gradients are products with transposes too: d(a·bᵀ)/da and /db.
    const [a, b] = [tf.tensor2d(values([6, 4], 7), [6, 4]), tf.tensor2d(values([5, 4], 8), [5, 4])];
    const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, false, true))))([a, b]);
    for (const t of g) out.push((await t.data()) as Float32Array);
    tf.dispose([a, b, ...g]);
    expect(dataIds()).toBe(before);
    return out;
  };
  const [cpu, wasm] = [await run('cpu'), await run('wasm')];
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((want, i) => {
    expect(wasm[i]!.length).toBe(want.length);
    want.forEach((x, j) => expect(wasm[i]![j]!).toBeCloseTo(x, 4));
  });
});
