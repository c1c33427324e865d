import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { adamwApply, adamwMomentsAndDirection, composedMomentsAndDirection, type AdamWScalars } from '../../engine/kernels/adamw-ops';
import { withoutGpuErrors } from './gpu-checks';
import { randomNormal } from './helpers';

/** AdamW's fused WGSL pieces against torch's AdamW formulas in float64, and against the composed tfjs ops, on Dawn. */

beforeAll(async () => {
  await setBackend('webgpu');
});

/** Worst entry error over the largest entry of b: the moments cancel (β1·m ≈ −(1−β1)·g), so entry-wise relative errors mean nothing. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

test.each([
  ['step 1, weight decay 0.01, [16, 37]', 1, 0.01, [16, 37], undefined],
  ['step 7, no weight decay, 1000 entries (not a multiple of the workgroup)', 7, 0, [1000], undefined],
  ['step 3, the gradient clipped by a factor 0.25 given as a tensor', 3, 0.01, [40, 3], 0.25],
] as const)('%s: moments, direction and applied step match the float64 formulas', async (_name, step, wd, shape, clip) => {
  await withoutGpuErrors(async () => {
    const before = tf.memory().numTensors;
    const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
    const [pH, gH, mH] = [1, 2, 3].map((k) => Float32Array.from(randomNormal(n, n + k), (v) => 0.1 * v)) as [Float32Array, Float32Array, Float32Array];
    const vH = Float32Array.from(randomNormal(n, n + 4), (v) => 0.01 * v * v);
    const s: AdamWScalars = { beta1: 0.9, beta2: 0.999, c1: 1 - 0.9 ** step, c2: 1 - 0.999 ** step, eps: 1e-8, weightDecay: wd };
    const lr = 2e-4;
    const [p, g, m, v] = [pH, gH, mH, vH].map((h) => tf.tensor(h, [...shape]));
    const clipScale = clip === undefined ? undefined : tf.scalar(clip);
    const fused = adamwMomentsAndDirection(p!, g!, m!, v!, s, clipScale);
    const composed = composedMomentsAndDirection(p!, g!, m!, v!, s, clipScale);
    const gScaled = Float64Array.from(gH, (x) => x * (clip ?? 1));
    const applied = adamwApply(p!, fused.direction, lr);
    const [m1, v1, d, m1c, v1c, dc, pNew] = await Promise.all([fused.m, fused.v, fused.direction, composed.m, composed.v, composed.direction, applied].map((t) => t.data()));
    const m1Ref = Float64Array.from(mH, (x, i) => 0.9 * x + 0.1 * gScaled[i]!);
    const v1Ref = Float64Array.from(vH, (x, i) => 0.999 * x + 0.001 * gScaled[i]! ** 2);
    const dRef = Float64Array.from(m1Ref, (x, i) => x / s.c1 / (Math.sqrt(v1Ref[i]! / s.c2) + s.eps) + wd * pH[i]!);
    const pRef = Float64Array.from(pH, (x, i) => x - lr * dRef[i]!);
    expect(relErr(m1!, m1Ref)).toBeLessThan(1e-5);
    expect(relErr(v1!, v1Ref)).toBeLessThan(1e-5);
    expect(relErr(d!, dRef)).toBeLessThan(1e-4);
    expect(relErr(pNew!, pRef)).toBeLessThan(1e-5);
    expect(relErr(m1!, m1c!)).toBeLessThan(1e-5);
    expect(relErr(v1!, v1c!)).toBeLessThan(1e-5);
    expect(relErr(d!, dc!)).toBeLessThan(1e-4);
    tf.dispose([p!, g!, m!, v!, ...(clipScale ? [clipScale] : []), fused.m, fused.v, fused.direction, composed.m, composed.v, composed.direction, applied]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
