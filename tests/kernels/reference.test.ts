import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { gateDots, powerIteration, project } from '../../engine/kernels/spf-ops';
import { jacobiSvd } from '../../engine/kernels/reference/jacobi-svd';
import { referenceGateDots } from '../../engine/kernels/reference/gate-dots';
import { referencePowerIteration } from '../../engine/kernels/reference/power-iteration';
import { referenceProject } from '../../engine/kernels/reference/project';
import { seededUniform } from '../../engine/kernels/reference/seeded-uniform';
import { isSafeTuneError } from '../../engine/errors';
import { basisColumn, matrixWithSpectrum, maxAbs, maxAbsDiff, randomNormal, randomOrthonormal, stackBlocks, subspaceOverlap } from './helpers';

/** The references are the spec: these tests hold them to independent, textbook formulations (no GPU needed). */

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, p: number, transA = false): Float64Array {
  const out = new Float64Array(m * p);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += (transA ? a[t * m + i]! : a[i * n + t]!) * b[t * p + j]!;
      out[i * p + j] = s;
    }
  }
  return out;
}

describe('jacobiSvd', () => {
  test.each([
    [7, 5],
    [5, 7],
    [6, 1],
  ])('%i×%i: A = U diag(S) Vᵀ with orthonormal U, V and descending S', (m, n) => {
    const a = randomNormal(m * n, m * 10 + n);
    const { U, S, V, r } = jacobiSvd(a, m, n);
    expect(r).toBe(Math.min(m, n));
    const us = new Float64Array(m * r);
    for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) us[i * r + j] = U[i * r + j]! * S[j]!;
    const vt = new Float64Array(r * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) vt[j * n + i] = V[i * r + j]!;
    expect(maxAbsDiff(matmul(us, vt, m, r, n), a)).toBeLessThan(1e-12);
    const eye = (x: Float64Array, rows: number): number => maxAbsDiff(matmul(x, x, r, rows, r, true), Array.from({ length: r * r }, (_, e) => (e % (r + 1) === 0 ? 1 : 0)));
    expect(eye(U, m)).toBeLessThan(1e-12);
    expect(eye(V, n)).toBeLessThan(1e-12);
    for (let i = 1; i < r; i++) expect(S[i]!).toBeLessThanOrEqual(S[i - 1]!);
  });

  test('recovers a known spectrum', () => {
    const sigma = [9, 4, 1, 0.25];
    const { S } = jacobiSvd(matrixWithSpectrum(20, 6, sigma, 3), 20, 6);
    expect(maxAbsDiff(S.subarray(0, 4), sigma)).toBeLessThan(1e-12);
    expect(maxAbs(S.subarray(4))).toBeLessThan(1e-12);
  });
});

describe('referencePowerIteration', () => {
  test.each(['rows', 'cols'] as const)('side %s: matches the exact SVD on a spectrum with a gap, ordered and orthonormal', (side) => {
    const [rows, cols] = side === 'rows' ? [60, 8] : [8, 60];
    const sigma = [6, 5, 3, 1, 0.3, 0.2, 0.1, 0.05];
    const a = matrixWithSpectrum(rows, cols, sigma, 7);
    const k = 3;
    const r = referencePowerIteration({ data: a, shape: [1, rows, cols] }, undefined, { k, side, iters: 8 });
    const svd = jacobiSvd(a, rows, cols);
    const L = side === 'rows' ? rows : cols;
    const exact = side === 'rows' ? svd.U : svd.V; // L×8
    const exactK = new Float64Array(L * k);
    for (let l = 0; l < L; l++) for (let i = 0; i < k; i++) exactK[l * k + i] = exact[l * 8 + i]!;
    expect(subspaceOverlap(r.U, exactK, L, k)).toBeGreaterThan(1 - 1e-6);
    expect(maxAbsDiff(r.sigma, sigma.slice(0, k))).toBeLessThan(1e-6);
    expect(r.normSq[0]).toBeCloseTo(sigma.reduce((s, x) => s + x * x, 0), 10);
    expect(r.capturedEnergy[0]).toBeCloseTo((36 + 25 + 9) / r.normSq[0]!, 8);
    expect(subspaceOverlap(r.U, r.U, L, k)).toBeCloseTo(1, 12); // orthonormal columns
    for (let i = 0; i < k; i++) {
      const dot = basisColumn(r.U, L, k, 0, i).reduce((s, v, l) => s + v * exactK[l * k + i]!, 0);
      expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-6); // column i is the i-th singular vector (up to sign)
    }
  });

  test('zero blocks (absolutely, or relative to their peers) have no subspace; a rank-1 block keeps one direction', () => {
    const rows = 12;
    const cols = 5;
    const rank1 = matrixWithSpectrum(rows, cols, [2], 4);
    const peerZero = matrixWithSpectrum(rows, cols, [2e-7, 1e-7], 5); // ‖G‖ < 1e-6 · the rank-1 block's
    const smallButReal = matrixWithSpectrum(rows, cols, [2e-5, 1e-5], 6);
    const data = stackBlocks([new Float64Array(rows * cols), rank1, peerZero, smallButReal]);
    const r = referencePowerIteration({ data, shape: [4, rows, cols] }, undefined, { k: 3, side: 'rows', iters: 8 });
    expect(maxAbs(r.U.subarray(0, rows * 3))).toBe(0);
    expect(maxAbs(r.U.subarray(2 * rows * 3, 3 * rows * 3))).toBe(0);
    expect(Array.from(r.sigma)).toEqual([0, 0, 0, expect.closeTo(2, 10), 0, 0, 0, 0, 0, expect.closeTo(2e-5, 15), expect.closeTo(1e-5, 15), 0]);
    expect(Array.from(r.capturedEnergy)).toEqual([0, expect.closeTo(1, 10), 0, expect.closeTo(1, 10)]);
    const u = r.U.subarray(rows * 3);
    for (let l = 0; l < rows; l++) {
      expect(u[l * 3 + 1]).toBe(0);
      expect(u[l * 3 + 2]).toBe(0);
    }
  });

  test('a warm start converges from the previous subspace, and a zero warm column still finds its direction', () => {
    const a = matrixWithSpectrum(40, 6, [5, 4, 1, 0.5], 9);
    const cold = referencePowerIteration({ data: a, shape: [1, 40, 6] }, undefined, { k: 2, side: 'rows', iters: 8 });
    const noise = randomNormal(cold.U.length, 5);
    const warm = Float64Array.from(cold.U, (v, e) => (e % 2 === 1 ? 0 : v + 0.3 * noise[e]!)); // column 1 zeroed
    const r = referencePowerIteration({ data: a, shape: [1, 40, 6] }, warm, { k: 2, side: 'rows', iters: 3 });
    expect(subspaceOverlap(r.U, cold.U, 40, 2)).toBeGreaterThan(0.99);
  });

  test('the same seed gives the same subspace; the random start is uniform in [-1, 1)', () => {
    const a = randomNormal(30 * 4, 1);
    const run = (seed: number): Float64Array => referencePowerIteration({ data: a, shape: [1, 30, 4] }, undefined, { k: 2, side: 'rows', iters: 1, seed }).U;
    expect(run(5)).toEqual(run(5));
    expect(maxAbsDiff(run(5), run(6))).toBeGreaterThan(1e-3); // one iteration: the start still shows
    const draws = Array.from({ length: 4000 }, (_, i) => seededUniform(1, 2, 3, i % 7, i));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(Math.abs(draws.reduce((s, x) => s + x, 0) / draws.length)).toBeLessThan(0.05);
  });
});

describe('referenceProject and referenceGateDots', () => {
  const rows = 9;
  const cols = 4;
  const k = 2;
  const U = randomOrthonormal(rows, k, 21); // rows side: U ∈ R^{rows×k}
  const gt = randomNormal(rows * cols, 22);
  const gs = randomNormal(rows * cols, 23);

  test("'always' equals G − U(UᵀG) and its removed energy is ‖U(UᵀG)‖²", () => {
    const { out, removedSq } = referenceProject({ data: gt, shape: [1, rows, cols] }, U, undefined, { k, side: 'rows', mode: 'always' });
    const coef = matmul(U, gt, k, rows, cols, true); // k×cols
    const removed = matmul(U, coef, rows, k, cols);
    expect(maxAbsDiff(out, gt.map((v, e) => v - removed[e]!))).toBeLessThan(1e-12);
    expect(removedSq[0]).toBeCloseTo(removed.reduce((s, v) => s + v * v, 0), 10);
  });

  test("cols side equals G − (G V)Vᵀ", () => {
    const V = randomOrthonormal(cols, k, 24);
    const { out } = referenceProject({ data: gt, shape: [1, rows, cols] }, V, undefined, { k, side: 'cols', mode: 'always' });
    const gv = matmul(gt, V, rows, cols, k);
    const vt = new Float64Array(k * cols);
    for (let c = 0; c < cols; c++) for (let i = 0; i < k; i++) vt[i * cols + c] = V[c * k + i]!;
    const removed = matmul(gv, vt, rows, k, cols);
    expect(maxAbsDiff(out, gt.map((v, e) => v - removed[e]!))).toBeLessThan(1e-12);
  });

  test('gate modes: global / block fire on a negative value only; direction removes only the negative directions', () => {
    const blocks = { data: gt, shape: [1, rows, cols] as const };
    const none = referenceProject(blocks, U, Float64Array.of(0.5), { k, side: 'rows', mode: 'global' });
    expect(Array.from(none.out)).toEqual(Array.from(gt));
    expect(none.removedSq[0]).toBe(0);
    const all = referenceProject(blocks, U, Float64Array.of(-0.5), { k, side: 'rows', mode: 'block' });
    const always = referenceProject(blocks, U, undefined, { k, side: 'rows', mode: 'always' });
    expect(Array.from(all.out)).toEqual(Array.from(always.out));
    const second = referenceProject(blocks, U, Float64Array.of(1, -1), { k, side: 'rows', mode: 'direction' });
    const onlySecond = referenceProject(blocks, Float64Array.from(U, (v, e) => (e % k === 1 ? v : 0)), undefined, { k, side: 'rows', mode: 'always' });
    expect(maxAbsDiff(second.out, onlySecond.out)).toBeLessThan(1e-12);
  });

  test('gate dots equal ⟨G_t, G_s⟩, the norms, and ⟨u_iᵀG_t, u_iᵀG_s⟩', () => {
    const d = referenceGateDots({ data: gt, shape: [1, rows, cols] }, { data: gs, shape: [1, rows, cols] }, U, { k, side: 'rows' });
    expect(d.dots[0]).toBeCloseTo(gt.reduce((s, v, e) => s + v * gs[e]!, 0), 10);
    expect(d.gtNormSq[0]).toBeCloseTo(gt.reduce((s, v) => s + v * v, 0), 10);
    expect(d.gsNormSq[0]).toBeCloseTo(gs.reduce((s, v) => s + v * v, 0), 10);
    const ct = matmul(U, gt, k, rows, cols, true);
    const cs = matmul(U, gs, k, rows, cols, true);
    for (let i = 0; i < k; i++) {
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += ct[i * cols + c]! * cs[i * cols + c]!;
      expect(d.dirDots[i]).toBeCloseTo(dot, 10);
    }
  });

  test('with k = the full rank of the short side, the projected task gradient is orthogonal to G_s', () => {
    const [r, c] = [64, 4];
    const g = randomNormal(r * c, 31);
    const t = randomNormal(r * c, 32);
    const sub = referencePowerIteration({ data: g, shape: [1, r, c] }, undefined, { k: 4, side: 'rows', iters: 8 });
    const { out } = referenceProject({ data: t, shape: [1, r, c] }, sub.U, undefined, { k: 4, side: 'rows', mode: 'always' });
    const dot = out.reduce((s, v, e) => s + v * g[e]!, 0);
    expect(Math.abs(dot)).toBeLessThan(1e-10);
  });
});

describe('dispatchers on tfjs-cpu run the reference', () => {
  test('same numbers as the references, float32 tensors out, nothing leaked', async () => {
    await setBackend('cpu');
    const [nb, rows, cols, k] = [2, 10, 3, 2];
    const gsHost = Float32Array.from(randomNormal(nb * rows * cols, 41));
    const gtHost = Float32Array.from(randomNormal(nb * rows * cols, 42));
    const before = tf.memory().numTensors;
    const gs = tf.tensor3d(gsHost, [nb, rows, cols]);
    const gt = tf.tensor3d(gtHost, [nb, rows, cols]);
    const sub = powerIteration(gs, undefined, { k, side: 'rows', iters: 8 });
    const ref = referencePowerIteration({ data: gsHost, shape: [nb, rows, cols] }, undefined, { k, side: 'rows', iters: 8 });
    expect(sub.U.dtype).toBe('float32');
    expect(maxAbsDiff(sub.U.dataSync(), ref.U)).toBeLessThan(1e-6);
    expect(maxAbsDiff(sub.sigma.dataSync(), ref.sigma)).toBeLessThan(1e-5);
    const d = gateDots(gt, gs, sub.U, { k, side: 'rows' });
    const refD = referenceGateDots({ data: gtHost, shape: [nb, rows, cols] }, { data: gsHost, shape: [nb, rows, cols] }, sub.U.dataSync() as Float32Array, { k, side: 'rows' });
    expect(maxAbsDiff(d.dirDots.dataSync(), refD.dirDots)).toBeLessThan(1e-4);
    const p = project(gt, sub.U, { dots: d.dots, dirDots: d.dirDots }, { k, side: 'rows', mode: 'block' });
    const refP = referenceProject({ data: gtHost, shape: [nb, rows, cols] }, sub.U.dataSync() as Float32Array, d.dots.dataSync() as Float32Array, { k, side: 'rows', mode: 'block' });
    expect(maxAbsDiff(p.out.dataSync(), refP.out)).toBeLessThan(1e-5);
    for (const t of [gs, gt, sub.U, sub.sigma, sub.normSq, sub.capturedEnergy, d.dots, d.dirDots, d.gsNormSq, d.gtNormSq, p.out, p.removedSq]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('bad input is a SafeTuneError naming the tensor and saying what to do', async () => {
    await setBackend('cpu');
    const before = tf.memory().numTensors;
    tf.tidy(() => checkErrors(tf.zeros([2, 10, 3])));
    expect(tf.memory().numTensors).toBe(before);
  });
});

function expectError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isSafeTuneError(e), String(e)).toBe(true);
    if (isSafeTuneError(e)) {
      expect(e.message).toMatch(pattern);
      expect(e.hint).toBeTruthy();
    }
    return;
  }
  throw new Error(`no error for ${pattern}`);
}

function checkErrors(gs: tf.Tensor): void {
  expectError(() => powerIteration(gs, undefined, { k: 4, side: 'rows', iters: 8 }), /k = 4 exceeds the shorter side \(3\) of gs/);
  expectError(() => powerIteration(gs, undefined, { k: 17, side: 'rows', iters: 8 }), /k must be an integer/);
  expectError(() => powerIteration(tf.zeros([10, 3]), undefined, { k: 1, side: 'rows', iters: 8 }), /gs has shape \[10, 3\]/);
  expectError(() => powerIteration(gs, tf.zeros([2, 3, 1]), { k: 1, side: 'rows', iters: 8 }), /warm has shape \[2, 3, 1\], expected \[2, 10, 1\]/);
  expectError(() => powerIteration(gs, undefined, { k: 1, side: 'rows', iters: -1 }), /iters must be/);
  expectError(() => gateDots(gs, tf.zeros([2, 3, 10]), tf.zeros([2, 10, 1]), { k: 1, side: 'rows' }), /gs has shape/);
  expectError(() => project(gs, tf.zeros([2, 10, 1]), undefined, { k: 1, side: 'rows', mode: 'block' }), /gate 'block' needs a gate tensor/);
  expectError(() => project(gs, tf.zeros([2, 10, 1]), tf.zeros([3]), { k: 1, side: 'rows', mode: 'block' }), /has 3 values, expected \[2\]/);
  expectError(() => project(gs, tf.zeros([2, 3, 1]), undefined, { k: 1, side: 'rows', mode: 'always' }), /U has shape \[2, 3, 1\], expected \[2, 10, 1\]/);
}
