import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { composedSwiglu, swiglu } from '../../engine/kernels/swiglu';
import { referenceSwiglu, referenceSwigluGrad } from '../../engine/kernels/reference/swiglu';
import { withoutGpuErrors } from './gpu-checks';
import { maxAbs, maxAbsDiff, randomNormal } from './helpers';

/** The MLP's fused SwiGLU (WGSL) against its float64 reference and the composed tfjs ops, forward and gradients, on Dawn. */

beforeAll(async () => {
  await setBackend('webgpu');
});

test.each([
  ['[130, 352] activations', [130, 352]],
  ['65 elements (not a multiple of the workgroup)', [5, 13]],
] as const)('%s: kernel = reference = composed ops, forward and gradients to gate and up', async (_name, shape) => {
  await withoutGpuErrors(async () => {
    const before = tf.memory().numTensors;
    const size = shape[0] * shape[1];
    // Gates from −40 to 40: σ saturates at both ends, where a careless formula gives NaN.
    const gH = Float32Array.from(randomNormal(size, 1), (v, i) => (i % 7 === 0 ? 40 * Math.sign(v) : 3 * v));
    const uH = Float32Array.from(randomNormal(size, 2));
    const dyH = Float32Array.from(randomNormal(size, 3));
    const [g, u, dy] = [tf.tensor2d(gH, [...shape]), tf.tensor2d(uH, [...shape]), tf.tensor2d(dyH, [...shape])];
    const loss = (f: typeof swiglu) => (gv: tf.Tensor, uv: tf.Tensor) => tf.sum(tf.mul(f(gv, uv), dy));
    const outs = [swiglu(g, u), ...tf.grads(loss(swiglu))([g, u]), composedSwiglu(g, u), ...tf.grads(loss(composedSwiglu))([g, u])];
    const [y, dg, du, yC, dgC, duC] = await Promise.all(outs.map((t) => t.data()));
    tf.dispose(outs);
    const yRef = referenceSwiglu(gH, uH);
    const gRef = referenceSwigluGrad(gH, uH, dyH);
    for (const [got, want, what] of [[y, yRef, 'value'], [dg, gRef.gate, 'gradient to gate'], [du, gRef.up, 'gradient to up']] as const) {
      expect(maxAbsDiff(got!, want) / maxAbs(want), what).toBeLessThan(1e-6);
    }
    for (const [got, want, what] of [[yC, yRef, 'value'], [dgC, gRef.gate, 'gradient to gate'], [duC, gRef.up, 'gradient to up']] as const) {
      expect(maxAbsDiff(got!, want) / maxAbs(want), `composed ${what}`).toBeLessThan(1e-5);
    }
    tf.dispose([g, u, dy]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
