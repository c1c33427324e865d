import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { gateDots, powerIteration, project } from '../../engine/kernels/spf-ops';
import { referenceGateDots } from '../../engine/kernels/reference/gate-dots';
import { referencePowerIteration } from '../../engine/kernels/reference/power-iteration';
import { referenceProject } from '../../engine/kernels/reference/project';
import { SPF_GATES, type SpfGate, type SubspaceSide } from '../../engine/kernels/spf-types';
import { DEFAULT_SPF_OPTIONS } from '../../engine/safety/spf-options';
import { countReads, withoutGpuErrors } from './gpu-checks';
import { isSoftwareAdapterInUse, setSoftwareAdapterInUse } from '../../engine/device/adapter-kind';
import { matrixWithSpectrum, maxAbs, randomNormal, stackBlocks } from './helpers';

/**
 * Every WGSL kernel against its TypeScript reference on real WebGPU (Dawn on lavapipe), on the same float32 inputs.
 * Errors are measured against the scale of what is compared (a block's ‖G‖, σ_1, ...), and the worst of each kind is
 * printed once at the end.
 */

/** 'tiny' = a spectrum block ×1e-7 (below ZERO_BLOCK_RTOL of its peers: no subspace); 'small' = ×1e-4 (kept). */
type BlockKind = 'spectrum' | 'zero' | 'tiny' | 'small';

interface Case {
  name: string;
  nb: number;
  rows: number;
  cols: number;
  side: SubspaceSide;
  k: number;
  kinds: BlockKind[]; // one per block
  iters?: number; // default: SPF's cold default
  modes?: SpfGate[]; // default: all four, with both signs of the global gate
}

const CASES: Case[] = [
  { name: '1×33, cols side, k=1, nb=2', nb: 2, rows: 1, cols: 33, side: 'cols', k: 1, kinds: ['spectrum', 'spectrum'] },
  { name: '29×1, rows side, k=1, nb=1', nb: 1, rows: 29, cols: 1, side: 'rows', k: 1, kinds: ['spectrum'] },
  { name: '37×19, rows side, k=16, nb=2', nb: 2, rows: 37, cols: 19, side: 'rows', k: 16, kinds: ['spectrum', 'spectrum'] },
  { name: '19×37, cols side, k=16, nb=1', nb: 1, rows: 19, cols: 37, side: 'cols', k: 16, kinds: ['spectrum'] },
  { name: '300×4 (lora_B-like), rows side, k=4 (full rank), nb=4 with a zero and a tiny block', nb: 4, rows: 300, cols: 4, side: 'rows', k: 4, kinds: ['spectrum', 'zero', 'spectrum', 'tiny'] },
  { name: '4×1000 (lora_A-like), cols side, k=4, nb=2 with a small block', nb: 2, rows: 4, cols: 1000, side: 'cols', k: 4, kinds: ['spectrum', 'small'] },
  { name: '1×8200, cols side, k=1 (one long line)', nb: 1, rows: 1, cols: 8200, side: 'cols', k: 1, kinds: ['spectrum'] },
  // Every line is a workgroup: 66000 > 65535 makes tfjs fold the launch into x·y (workgroupIndex() must still count).
  // Slow on lavapipe (~0.7 s per such launch), so one iteration and one gate mode.
  { name: '2×66000, rows side, k=1 (66000 lines: a folded launch)', nb: 1, rows: 2, cols: 66000, side: 'rows', k: 1, kinds: ['spectrum'], iters: 1, modes: ['block'] },
];

/** Geometric spectrum: gaps large enough that f32 vs f64 iterates stay close, small enough that k=16 is not trivial. */
function spectrum(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 3 * 0.9 ** i);
}

function buildCase(c: Case, seed: number): { gs: Float32Array; gt: Float32Array } {
  const size = c.rows * c.cols;
  const scale: Record<BlockKind, number> = { spectrum: 1, zero: 0, tiny: 1e-7, small: 1e-4 };
  const blocks = c.kinds.map((kind, b) => matrixWithSpectrum(c.rows, c.cols, spectrum(Math.min(c.rows, c.cols)), seed + b).map((v) => v * scale[kind]));
  const gs = Float32Array.from(stackBlocks(blocks));
  // Task gradients aligned (+) or opposed (−) to the safety gradient, block by block, plus noise at the block's scale
  // (unit noise where G_s is zero): dots of both signs.
  const noise = randomNormal(c.nb * size, seed + 100);
  const gt = Float32Array.from(gs, (v, e) => {
    const b = Math.floor(e / size);
    return (b % 2 === 0 ? -0.7 : 0.7) * v + 0.3 * (scale[c.kinds[b]!] || 1) * noise[e]!;
  });
  return { gs, gt };
}

/** Worst errors seen, by kind, for the report. */
const worst = new Map<string, number>();
function record(kind: string, err: number): number {
  worst.set(kind, Math.max(worst.get(kind) ?? 0, err));
  return err;
}

/** max over blocks of (max |a − b| over the block) / scale(b). */
function blockError(a: ArrayLike<number>, b: ArrayLike<number>, nb: number, scale: (blk: number) => number): number {
  const per = a.length / nb;
  let err = 0;
  for (let blk = 0; blk < nb; blk++) {
    const s = Math.max(scale(blk), 1e-30);
    for (let e = blk * per; e < (blk + 1) * per; e++) err = Math.max(err, Math.abs(a[e]! - b[e]!) / s);
  }
  return err;
}

beforeAll(async () => {
  await setBackend('webgpu');
});

afterAll(() => {
  console.info(`SPF kernels vs reference, worst errors: ${[...worst].map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
});

describe.each(CASES)('$name', (c) => {
  test('powerIteration, gateDots and project match the references', async () => {
    const { gs: gsHost, gt: gtHost } = buildCase(c, c.rows * 7 + c.cols);
    const shape = [c.nb, c.rows, c.cols] as const;
    const L = c.side === 'rows' ? c.rows : c.cols;
    await withoutGpuErrors(async () => {
      const gs = tf.tensor3d(gsHost, [...shape]);
      const gt = tf.tensor3d(gtHost, [...shape]);

      const opts = { k: c.k, side: c.side, iters: c.iters ?? DEFAULT_SPF_OPTIONS.iters.cold };
      const sub = powerIteration(gs, undefined, opts);
      const ref = referencePowerIteration({ data: gsHost, shape }, undefined, opts);
      const U = (await sub.U.data()) as Float32Array;
      const sigma = await sub.sigma.data();
      const sigma1 = (b: number): number => ref.sigma[b * c.k]!;
      expect(record('normSq (rel)', blockError(await sub.normSq.data(), ref.normSq, c.nb, (b) => ref.normSq[b]!))).toBeLessThan(1e-5);
      expect(record('sigma (rel σ1)', blockError(sigma, ref.sigma, c.nb, sigma1))).toBeLessThan(1e-5);
      expect(record('U (abs)', blockError(U, ref.U, c.nb, () => 1))).toBeLessThan(3e-5);
      expect(record('capturedEnergy (abs)', blockError(await sub.capturedEnergy.data(), ref.capturedEnergy, c.nb, () => 1))).toBeLessThan(1e-5);
      c.kinds.forEach((kind, b) => {
        if (kind !== 'zero' && kind !== 'tiny') return;
        expect(maxAbs(U.subarray(b * L * c.k, (b + 1) * L * c.k))).toBe(0);
        expect(maxAbs(sigma.subarray(b * c.k, (b + 1) * c.k))).toBe(0);
      });

      const d = gateDots(gt, gs, sub.U, { k: c.k, side: c.side });
      const refD = referenceGateDots({ data: gtHost, shape }, { data: gsHost, shape }, U, { k: c.k, side: c.side });
      const dotScale = (b: number): number => Math.sqrt(refD.gtNormSq[b]! * refD.gsNormSq[b]!);
      const dots = (await d.dots.data()) as Float32Array;
      const dirDots = (await d.dirDots.data()) as Float32Array;
      expect(record('dots (rel ‖Gt‖‖Gs‖)', blockError(dots, refD.dots, c.nb, dotScale))).toBeLessThan(1e-5);
      expect(record('dirDots (rel ‖Gt‖‖Gs‖)', blockError(dirDots, refD.dirDots, c.nb, dotScale))).toBeLessThan(1e-5);
      expect(record('norms (rel)', blockError(await d.gtNormSq.data(), refD.gtNormSq, c.nb, (b) => refD.gtNormSq[b]!))).toBeLessThan(1e-5);
      expect(blockError(await d.gsNormSq.data(), refD.gsNormSq, c.nb, (b) => refD.gsNormSq[b]! + 1e-30)).toBeLessThan(1e-5);
      if (c.nb > 1) expect(new Set(Array.from(dots, Math.sign)).size, 'the case needs dots of both signs').toBeGreaterThan(1);

      const globalDot = tf.sum(d.dots);
      const gates: { mode: SpfGate; label: string; gate: tf.Tensor | undefined; host: Float32Array | undefined }[] = [
        { mode: 'always', label: 'always', gate: undefined, host: undefined },
        { mode: 'global', label: 'global Σdots', gate: globalDot, host: (await globalDot.data()) as Float32Array },
        { mode: 'global', label: 'global +0.5', gate: tf.scalar(0.5), host: Float32Array.of(0.5) },
        { mode: 'global', label: 'global −0.5', gate: tf.scalar(-0.5), host: Float32Array.of(-0.5) },
        { mode: 'block', label: 'block', gate: d.dots, host: dots },
        { mode: 'direction', label: 'direction', gate: d.dirDots, host: dirDots },
      ];
      const modes = c.modes ?? SPF_GATES;
      expect(new Set(gates.map((g) => g.mode))).toEqual(new Set(SPF_GATES));
      // Both variants of the fused projection: one invocation per line (software adapters: this one) and a workgroup
      // per line (GPUs), whichever the adapter would pick.
      const software = isSoftwareAdapterInUse();
      for (const variant of [{ software: true, name: 'per invocation' }, { software: false, name: 'per workgroup' }]) {
        setSoftwareAdapterInUse(variant.software);
        try {
          for (const { mode, label, gate, host } of gates.filter((g) => modes.includes(g.mode))) {
            const p = project(gt, sub.U, gate, { k: c.k, side: c.side, mode });
            const refP = referenceProject({ data: gtHost, shape }, U, host, { k: c.k, side: c.side, mode });
            const gtScale = (b: number): number => Math.sqrt(refD.gtNormSq[b]!);
            const what = `${label}, ${variant.name}`;
            expect(record('project out (rel ‖Gt‖)', blockError(await p.out.data(), refP.out, c.nb, gtScale)), what).toBeLessThan(1e-5);
            expect(record('removedSq (rel ‖Gt‖²)', blockError(await p.removedSq.data(), refP.removedSq, c.nb, (b) => refD.gtNormSq[b]!)), what).toBeLessThan(1e-5);
            tf.dispose([p.out, p.removedSq]);
          }
        } finally {
          setSoftwareAdapterInUse(software);
        }
      }
      const pipelines = Object.keys((tf.backend() as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache);
      expect(pipelines.some((key) => key.includes(`spfProjectWide_k${c.k}`)), 'the per-workgroup variant ran').toBe(true);
      expect(pipelines.some((key) => key.includes(`spfProject_k${c.k}`)), 'the per-invocation variant ran').toBe(true);
      tf.dispose([gs, gt, sub.U, sub.sigma, sub.normSq, sub.capturedEnergy, d.dots, d.dirDots, d.gtNormSq, d.gsNormSq, globalDot, gates[2]!.gate!, gates[3]!.gate!]);
    });
  });
});
