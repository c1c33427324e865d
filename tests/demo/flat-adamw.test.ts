/**
 * The demo build's one-vector optimizer (scripts/demo/train/flat-adamw.ts) against the engine's AdamW, and its
 * per-element weight decay, which the word-vector trial's frozen embedding rows rely on.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { AdamW } from '../../engine/train/adamw';
import { FlatAdamW } from '../../scripts/demo/train/flat-adamw';

const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
const shapes = [[3, 4], [5]] as const;
const start = (): tf.Variable[] => shapes.map((s, i) => tf.variable(tf.randomNormal([...s], 0, 1, 'float32', 11 + i)));
const grads = (step: number): tf.Tensor[] => shapes.map((s, i) => tf.randomNormal([...s], 0, 1, 'float32', 100 * step + i));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('FlatAdamW', () => {
  test('equals the engine AdamW over three steps (every variable decayed, no clipping)', async () => {
    const flatVars = start();
    const engineVars = start();
    const flat = new FlatAdamW(flatVars, [true, true], { ...hyper, maxGradNorm: 0 });
    const engine = new AdamW(engineVars, hyper);
    for (let step = 1; step <= 3; step++) {
      const g = grads(step);
      tf.dispose(flat.apply(g, 1e-2));
      const chunks = engine.flatten(g);
      engine.apply(chunks, 1e-2);
      tf.dispose([...g, ...chunks]);
    }
    for (let i = 0; i < shapes.length; i++) {
      const a = await flatVars[i]!.data();
      const b = await engineVars[i]!.data();
      a.forEach((x, k) => expect(x).toBeCloseTo(b[k]!, 6));
    }
    flat.dispose();
    engine.dispose();
    tf.dispose([...flatVars, ...engineVars]);
  });

  test('a per-element decay mask: elements without decay whose gradient is 0 never move; a mask of ones is `true`', async () => {
    const masked = start();
    const plain = start();
    const before = await masked[0]!.data();
    const mask = new Float32Array(12).fill(1);
    mask.fill(0, 4, 8); // the matrix's second row
    const rowMask = tf.tensor2d([1, 0, 1], [3, 1]);
    const a = new FlatAdamW(masked, [mask, new Float32Array(5).fill(1)], { ...hyper, maxGradNorm: 1 });
    const b = new FlatAdamW(plain, [true, true], { ...hyper, maxGradNorm: 1 });
    for (let step = 1; step <= 3; step++) {
      const g = grads(step);
      const gMasked = [tf.mul(g[0]!, rowMask), g[1]!];
      tf.dispose([a.apply(gMasked, 1e-2), b.apply([gMasked[0]!, g[1]!], 1e-2)]);
      tf.dispose([...g, gMasked[0]!]);
    }
    const after = await masked[0]!.data();
    const reference = await plain[0]!.data();
    for (let k = 0; k < 12; k++) {
      if (k >= 4 && k < 8) expect(after[k], `element ${k}`).toBe(before[k]); // exactly: no update, no decay
      else expect(after[k], `element ${k}`).toBe(reference[k]); // the same math as the boolean form
    }
    // The fixed row under the boolean form decays (so the mask is what keeps it).
    expect(reference[4]).not.toBe(before[4]);
    expect([...(await masked[1]!.data())]).toEqual([...(await plain[1]!.data())]);
    a.dispose();
    b.dispose();
    tf.dispose([...masked, ...plain, rowMask]);
  });

  test('rejects a decay mask whose size is not the variable\'s', () => {
    const vars = start();
    expect(() => new FlatAdamW(vars, [new Float32Array(11), true], { ...hyper, maxGradNorm: 0 })).toThrow(/decay mask of variable 0 has 11 elements, the variable 12/);
    tf.dispose(vars);
  });
});
