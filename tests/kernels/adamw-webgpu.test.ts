import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { adamwApplyAt, adamwDirection, adamwMoments, adamwStepAt, type AdamWScalars } from '../../engine/kernels/adamw-ops';
import { withoutGpuErrors } from './gpu-checks';
import { randomNormal } from './helpers';

/**
 * AdamW's pieces against torch's AdamW formulas in float64: the fused WGSL programs on Dawn, and the composed tfjs ops
 * that every other backend runs (here on tfjs-cpu).
 */

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

const CASES = [
  ['step 1, weight decay 0.01, [16, 37]', 1, 0.01, [16, 37], undefined],
  ['step 7, no weight decay, 1000 entries (not a multiple of the workgroup)', 7, 0, [1000], undefined],
  ['step 3, the gradient clipped by a factor 0.25 given as a tensor', 3, 0.01, [40, 3], 0.25],
] as const;

test.each(CASES.flatMap((c) => (['webgpu', 'cpu'] as const).map((backend) => [backend, ...c] as const)))(
  '%s, %s: packed moments, direction, fused step and apply match the float64 formulas',
  async (backend, _name, step, wd, shape, clip) => {
    await setBackend(backend);
    const guard = backend === 'webgpu' ? withoutGpuErrors : (f: () => Promise<void>) => f();
    await guard(async () => {
      const before = tf.memory().numTensors;
      const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
      const [pH, gH, mH] = [1, 2, 3].map((k) => Float32Array.from(randomNormal(n, n + k), (v) => 0.1 * v)) as [Float32Array, Float32Array, Float32Array];
      const vH = Float32Array.from(randomNormal(n, n + 4), (v) => 0.01 * v * v);
      const s: AdamWScalars = { beta1: 0.9, beta2: 0.999, c1: 1 - 0.9 ** step, c2: 1 - 0.999 ** step, eps: 1e-8, weightDecay: wd };
      const lr = 2e-4;
      const [p, g] = [pH, gH].map((h) => tf.tensor(h, [...shape]));
      const mvH = new Float32Array(2 * n);
      mvH.set(mH, 0);
      mvH.set(vH, n);
      const mv = tf.tensor(mvH, [2, ...shape]);
      const clipScale = clip === undefined ? undefined : tf.scalar(clip);
      const mv1 = adamwMoments(mv, g!, s, clipScale);
      const d = adamwDirection(p!, mv1, s);
      // One parameter that is its whole chunk (offset 0); offsets inside a longer chunk are the next test's.
      const stepped = adamwStepAt(p!, mv1, 0, s, lr);
      const applied = adamwApplyAt(p!, d, 0, lr);
      expect(mv1.shape).toEqual([2, ...shape]);
      const [mv1D, dD, steppedD, appliedD] = await Promise.all([mv1, d, stepped, applied].map((t) => t.data()));
      const gScaled = Float64Array.from(gH, (x) => x * (clip ?? 1));
      const m1Ref = Float64Array.from(mH, (x, i) => 0.9 * x + 0.1 * gScaled[i]!);
      const v1Ref = Float64Array.from(vH, (x, i) => 0.999 * x + 0.001 * gScaled[i]! ** 2);
      const dRef = Float64Array.from(m1Ref, (x, i) => x / s.c1 / (Math.sqrt(v1Ref[i]! / s.c2) + s.eps) + wd * pH[i]!);
      const pRef = Float64Array.from(pH, (x, i) => x - lr * dRef[i]!);
      expect(relErr(mv1D!.subarray(0, n), m1Ref)).toBeLessThan(1e-5);
      expect(relErr(mv1D!.subarray(n), v1Ref)).toBeLessThan(1e-5);
      expect(relErr(dD!, dRef)).toBeLessThan(1e-4);
      // Without weight decay the direction needs no θ (the optimizer then skips gathering it); with decay it must have it.
      if (wd === 0) {
        const withoutP = adamwDirection(undefined, mv1, s);
        expect(relErr(await withoutP.data(), dRef)).toBeLessThan(1e-4);
        withoutP.dispose();
      } else expect(() => adamwDirection(undefined, mv1, s)).toThrow(/needs the parameter/);
      expect(relErr(steppedD!, pRef)).toBeLessThan(1e-5);
      expect(relErr(appliedD!, pRef)).toBeLessThan(1e-5);
      tf.dispose([p!, g!, mv, ...(clipScale ? [clipScale] : []), mv1, d, stepped, applied]);
      expect(tf.memory().numTensors).toBe(before);
    });
  },
);

test.each(['webgpu', 'cpu'] as const)(
  '%s: the step and the apply of one parameter read at its offset in a longer flat chunk match the float64 formulas',
  async (backend) => {
    await setBackend(backend);
    const guard = backend === 'webgpu' ? withoutGpuErrors : (f: () => Promise<void>) => f();
    await guard(async () => {
      const before = tf.memory().numTensors;
      // θ [5, 13] sits at element 111 of a chunk of 400 (not a multiple of anything the kernels tile by).
      const shape = [5, 13];
      const n = 65;
      const [total, offset] = [400, 111];
      const pH = Float32Array.from(randomNormal(n, 11), (v) => 0.1 * v);
      const mH = Float32Array.from(randomNormal(total, 12), (v) => 0.1 * v);
      const vH = Float32Array.from(randomNormal(total, 13), (v) => 0.01 * v * v);
      const dH = Float32Array.from(randomNormal(total, 14), (v) => v);
      const s: AdamWScalars = { beta1: 0.9, beta2: 0.999, c1: 1 - 0.9 ** 4, c2: 1 - 0.999 ** 4, eps: 1e-8, weightDecay: 0.01 };
      const lr = 3e-3;
      const mvH = new Float32Array(2 * total);
      mvH.set(mH, 0);
      mvH.set(vH, total);
      const p = tf.tensor(pH, shape);
      const mv = tf.tensor(mvH, [2, total]);
      const d = tf.tensor1d(dH);
      const stepped = adamwStepAt(p, mv, offset, s, lr);
      const applied = adamwApplyAt(p, d, offset, lr);
      expect(stepped.shape).toEqual(shape);
      const [steppedD, appliedD] = await Promise.all([stepped.data(), applied.data()]);
      const stepRef = Float64Array.from(pH, (x, i) => x - lr * (mH[offset + i]! / s.c1 / (Math.sqrt(vH[offset + i]! / s.c2) + s.eps) + 0.01 * x));
      const applyRef = Float64Array.from(pH, (x, i) => x - lr * dH[offset + i]!);
      expect(relErr(steppedD!, stepRef)).toBeLessThan(1e-6);
      expect(relErr(appliedD!, applyRef)).toBeLessThan(1e-6);
      tf.dispose([p, mv, d, stepped, applied]);
      expect(tf.memory().numTensors).toBe(before);
    });
  },
);
