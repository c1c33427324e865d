import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { groupMask, perGroupLoraDelta } from '../../engine/model/per-group-lora';
import { sharedGroupLoraLinear } from '../../engine/model/shared-group-lora';

// The shared-matrices projection of SPF's batched anchor pass against the copies it replaces: with G copies of the
// same A and B, x·Wᵀ + ((x·copyAᵀ) ⊙ mask)·copyBᵀ has the same value, and its gradients with respect to x and to the
// copies must equal the shared op's gradients with respect to x and to the slots — merged and unmerged.
describe.each(BACKENDS)('sharedGroupLoraLinear on %s', (backend) => {
  // Groups of unequal size take the mask; groups of one size the strided kernel's blocks, each over its own rows.
  test.each([
    [true, 'a mask'],
    [false, 'a mask'],
    [true, 'blocks'],
    [false, 'blocks'],
  ] as const)('merge %s, groups separated by %s: value, dx and every group\'s dA / dB as with copies of A and B', async (merge, separation) => {
    await setBackend(backend);
    const [inp, out, r, seqLen] = [24, 20, 4, 3];
    const sizes = separation === 'blocks' ? [2, 2, 2] : [2, 1, 3]; // examples per group
    const groups = sizes.length;
    const n = sizes.reduce((a, b) => a + b, 0) * seqLen;
    const scale = 1.5;
    const x = tf.randomNormal([n, inp], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([out, inp], 0, 0.3, 'float32', 2) as tf.Tensor2D;
    const a = tf.randomNormal([r, inp], 0, 0.3, 'float32', 3) as tf.Tensor2D;
    const b = tf.randomNormal([out, r], 0, 0.3, 'float32', 4) as tf.Tensor2D;
    const dy = tf.randomNormal([n, out], 0, 1, 'float32', 5) as tf.Tensor2D;
    const mask = groupMask(sizes, seqLen, r, scale);
    const mask3 = tf.reshape(mask, [n, groups, r]) as tf.Tensor3D;
    const copies = [tf.concat(Array(groups).fill(a), 0), tf.concat(Array(groups).fill(b), 1)] as tf.Tensor2D[];
    const slots = [tf.zeros([groups * r, inp]), tf.zeros([out, groups * r])] as tf.Tensor2D[];
    const before = tf.memory().numTensors;

    const want = tf.valueAndGrads((xi: tf.Tensor, ca: tf.Tensor, cb: tf.Tensor) =>
      tf.sum(tf.mul(tf.add(tf.matMul(xi, w, false, true), perGroupLoraDelta(xi as tf.Tensor2D, ca as tf.Tensor2D, cb as tf.Tensor2D, mask)), dy)),
    )([x, copies[0]!, copies[1]!]);
    const got = tf.valueAndGrads((xi: tf.Tensor, sa: tf.Tensor, sb: tf.Tensor) =>
      tf.sum(tf.mul(sharedGroupLoraLinear(xi as tf.Tensor2D, w, a, b, { A: sa as tf.Tensor2D, B: sb as tf.Tensor2D }, separation === 'blocks' ? { count: groups, rows: 2 * seqLen } : { count: groups, mask3 }, scale, merge), dy)),
    )([x, slots[0]!, slots[1]!]);

    const close = async (actual: tf.Tensor, expected: tf.Tensor): Promise<void> => {
      expect(actual.shape).toEqual(expected.shape);
      const [e, g] = [await expected.data(), await actual.data()];
      const big = Math.max(...Array.from(e, Math.abs));
      expect(big).toBeGreaterThan(0);
      e.forEach((v, i) => expect(Math.abs(g[i]! - v)).toBeLessThanOrEqual(1e-4 * big));
    };
    await close(got.value, want.value);
    for (let i = 0; i < 3; i++) await close(got.grads[i]!, want.grads[i]!);
    // Each group's block of dA differs from the others' (the groups' rows differ), so the slots really separate them.
    const blocks = tf.split(got.grads[1]!, groups, 0);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(blocks[0]!, blocks[1]!))));
    expect((await diff.data())[0]!).toBeGreaterThan(1e-3);
    tf.dispose([got.value, want.value, ...got.grads, ...want.grads, ...blocks, diff]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, a, b, dy, mask, mask3, ...copies, ...slots]);
  });
});
