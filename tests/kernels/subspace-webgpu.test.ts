import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { gateDots, powerIteration, project } from '../../engine/kernels/spf-ops';
import { jacobiSvd } from '../../engine/kernels/reference/jacobi-svd';
import { orthonormalizeColumns } from '../../engine/kernels/reference/orthonormalize';
import type { SubspaceSide } from '../../engine/kernels/spf-types';
import { DEFAULT_SPF_OPTIONS } from '../../engine/safety/spf-options';
import { countReads, withoutGpuErrors } from './gpu-checks';
import { matrixWithSpectrum, randomNormal, stackBlocks, subspaceOverlap } from './helpers';

/** What the subspace iteration is for, on real WebGPU: finding the exact top-k subspace, and removing it exactly. */

const measured: string[] = [];

beforeAll(async () => {
  await setBackend('webgpu');
});

afterAll(() => {
  console.info(`SPF subspace on WebGPU: ${measured.join('; ')}`);
});

/** Block b of a basis [nb, L, k] with orthonormal columns, as [1, L, k] (what the iteration starts from). */
function orthonormalized(basis: Float32Array, L: number, k: number, b: number): Float64Array {
  const q = Float64Array.from(basis.subarray(b * L * k, (b + 1) * L * k));
  orthonormalizeColumns(q, L, k, () => 0);
  return Float64Array.from({ length: (b + 1) * L * k }, (_, e) => (e < b * L * k ? 0 : q[e - b * L * k]!));
}

/** The top-k singular vectors on `side` of each block, from the exact (float64 Jacobi) SVD: [nb, L, k]. */
function exactTopK(data: Float32Array, nb: number, rows: number, cols: number, side: SubspaceSide, k: number): Float64Array {
  const L = side === 'rows' ? rows : cols;
  const out = new Float64Array(nb * L * k);
  for (let b = 0; b < nb; b++) {
    const svd = jacobiSvd(data.subarray(b * rows * cols, (b + 1) * rows * cols), rows, cols);
    const vecs = side === 'rows' ? svd.U : svd.V; // L × r
    for (let l = 0; l < L; l++) for (let i = 0; i < k; i++) out[(b * L + l) * k + i] = vecs[l * svd.r + i]!;
  }
  return out;
}

describe('powerIteration against the exact SVD', () => {
  const k = 4;
  // σ_5/σ_4 = 0.5 (a clear gap) and 0.8 (a modest one: each iteration shrinks the error by (σ_5/σ_4)² = 0.64 only).
  const CLEAR = [10, 8, 6, 5, 2.5, 2, 1.5, 1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
  const MODEST = [10, 8, 6, 5, 4, 3, 2, 1.5, 1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];

  test.each([
    { side: 'rows' as const, rows: 256, cols: 16, gap: 'clear', SIGMA: CLEAR },
    { side: 'cols' as const, rows: 16, cols: 300, gap: 'clear', SIGMA: CLEAR },
    { side: 'rows' as const, rows: 256, cols: 16, gap: 'modest', SIGMA: MODEST },
  ])('side $side, $rows×$cols, $gap gap: overlap ≥ 0.99 after 8 cold and after 3 warm iterations', async ({ side, rows, cols, gap, SIGMA }) => {
    const nb = 2;
    const L = side === 'rows' ? rows : cols;
    const data = Float32Array.from(stackBlocks([0, 1].map((b) => matrixWithSpectrum(rows, cols, SIGMA, 50 + b))));
    const exact = exactTopK(data, nb, rows, cols, side, k);
    await withoutGpuErrors(async () => {
      const gs = tf.tensor3d(data, [nb, rows, cols]);
      const cold = powerIteration(gs, undefined, { k, side, iters: 8 });
      const coldU = await cold.U.data();
      const sigma = await cold.sigma.data();
      // The previous step's subspace, perturbed: each column u_i + (a random vector of about unit length), ~45° off.
      const noise = randomNormal(nb * L * k, 77);
      const perturbed = Float32Array.from(exact, (v, e) => v + noise[e]! / Math.sqrt(L));
      const warmStart = tf.tensor3d(perturbed, [nb, L, k]);
      const warm = powerIteration(gs, warmStart, { k, side, iters: 3 });
      const warmU = await warm.U.data();
      for (let b = 0; b < nb; b++) {
        const before = subspaceOverlap(orthonormalized(perturbed, L, k, b), exact, L, k, b);
        const coldOverlap = subspaceOverlap(coldU, exact, L, k, b);
        const warmOverlap = subspaceOverlap(warmU, exact, L, k, b);
        measured.push(`${gap} gap, ${side}, block ${b}: overlap cold(${DEFAULT_SPF_OPTIONS.iters.cold}) ${coldOverlap.toFixed(6)}, warm(${DEFAULT_SPF_OPTIONS.iters.warm}) ${before.toFixed(2)} → ${warmOverlap.toFixed(6)}`);
        expect(coldOverlap).toBeGreaterThanOrEqual(0.99);
        expect(warmOverlap).toBeGreaterThanOrEqual(0.99);
        expect(before).toBeLessThan(0.8); // the warm start really was off
        for (let i = 0; i < k; i++) expect(Math.abs(sigma[b * k + i]! - SIGMA[i]!) / SIGMA[i]!).toBeLessThan(1e-2);
      }
      tf.dispose([gs, warmStart, cold.U, cold.sigma, cold.normSq, cold.capturedEnergy, warm.U, warm.sigma, warm.normSq, warm.capturedEnergy]);
    });
  });
});

describe('with k = the full rank of the short side the projection removes G_s entirely', () => {
  test.each([
    { side: 'rows' as const, rows: 64, cols: 4 }, // a lora_B gradient [out, r]
    { side: 'cols' as const, rows: 4, cols: 64 }, // a lora_A gradient [r, in]
  ])('$rows×$cols, side $side, k = 4: ⟨G_s, projected G_t⟩ = 0', async ({ side, rows, cols }) => {
    const nb = 2;
    const gsHost = Float32Array.from(randomNormal(nb * rows * cols, 61));
    const gtHost = Float32Array.from(randomNormal(nb * rows * cols, 62));
    await withoutGpuErrors(async () => {
      const gs = tf.tensor3d(gsHost, [nb, rows, cols]);
      const gt = tf.tensor3d(gtHost, [nb, rows, cols]);
      const sub = powerIteration(gs, undefined, { k: 4, side, iters: 8 });
      const p = project(gt, sub.U, undefined, { k: 4, side, mode: 'always' });
      const out = await p.out.data();
      for (let b = 0; b < nb; b++) {
        let dot = 0;
        let before = 0;
        let gsSq = 0;
        let gtSq = 0;
        for (let e = b * rows * cols; e < (b + 1) * rows * cols; e++) {
          dot += gsHost[e]! * out[e]!;
          before += gsHost[e]! * gtHost[e]!;
          gsSq += gsHost[e]! ** 2;
          gtSq += gtHost[e]! ** 2;
        }
        const cos = Math.abs(dot) / Math.sqrt(gsSq * gtSq);
        measured.push(`full-rank ${side} block ${b}: |cos(G_s, G_t')| ${cos.toExponential(2)} (before ${(Math.abs(before) / Math.sqrt(gsSq * gtSq)).toFixed(3)})`);
        expect(cos).toBeLessThan(1e-5);
      }
      tf.dispose([gs, gt, sub.U, sub.sigma, sub.normSq, sub.capturedEnergy, p.out, p.removedSq]);
    });
  });
});

describe('an SPF step on the GPU', () => {
  test('powerIteration → gateDots → Σdots → project reads nothing back, and leaves no tensor behind', async () => {
    const [nb, rows, cols, k] = [3, 48, 6, 4];
    const gsHost = Float32Array.from(randomNormal(nb * rows * cols, 71));
    const noise = randomNormal(nb * rows * cols, 72);
    const gtHost = Float32Array.from(gsHost, (v, e) => -0.5 * v + 0.1 * noise[e]!); // opposed: Σdots < 0, the gate fires
    await withoutGpuErrors(async () => {
      const gs = tf.tensor3d(gsHost, [nb, rows, cols]);
      const gt = tf.tensor3d(gtHost, [nb, rows, cols]);
      let previous = powerIteration(gs, undefined, { k, side: 'rows', iters: 8 }).U;
      await previous.data(); // compile and settle before counting
      const baseline = tf.memory().numTensors;
      for (let step = 0; step < 2; step++) {
        const reads = countReads();
        let result: tf.Tensor;
        let removedSq: tf.Tensor;
        try {
          const sub = powerIteration(gs, previous, { k, side: 'rows', iters: 3 });
          const d = gateDots(gt, gs, sub.U, { k, side: 'rows' });
          const globalDot = tf.sum(d.dots);
          const p = project(gt, sub.U, { globalDot, dots: d.dots, dirDots: d.dirDots }, { k, side: 'rows', mode: 'global' });
          expect(reads.count(), 'GPU→CPU reads during the SPF ops').toBe(0);
          tf.dispose([previous, sub.sigma, sub.normSq, sub.capturedEnergy, d.dots, d.dirDots, d.gtNormSq, d.gsNormSq, globalDot]);
          previous = sub.U;
          result = p.out;
          removedSq = p.removedSq;
          expect((await removedSq.data())[0]).toBeGreaterThan(0); // the gate fired
          expect(reads.count(), 'the test\'s own read is seen').toBeGreaterThan(0);
        } finally {
          reads.restore();
        }
        tf.dispose([result, removedSq]);
        expect(tf.memory().numTensors).toBe(baseline); // only `previous` (the new U) is alive, as before the step
      }
      tf.dispose([gs, gt, previous]);
    });
  });
});
