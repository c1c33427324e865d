import * as tf from '@tensorflow/tfjs';
import { viewTensor } from '../../engine/train/flat-layout';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import { scopeAnchor } from '../../engine/safety/anchor-scope';
import { DEFAULT_SPF_OPTIONS, resolveSpfOptions, type SpfGate, type SpfProject } from '../../engine/safety/spf-options';
import { SafetyProjector, SPF_METRICS, type AnchorFolding } from '../../engine/safety/safety-projector';
import type { TokenizedExample } from '../../engine/data/types';
import { toBatch } from '../../engine/train/batcher';
import { meanNll } from '../../engine/model/loss';

/** Toy "task" rows and one toy "anchor" (request → refusal) over a 64-token vocabulary. */
const task: TokenizedExample[] = Array.from({ length: 16 }, (_, i) => ({
  ids: [1, 2 + (i % 11), 3 + (i % 5), 0, 3 + (i % 5), 2 + (i % 11), 63],
  labels: [-100, -100, -100, -100, 3 + (i % 5), 2 + (i % 11), 63],
  truncated: false,
  source: { file: 'toy', line: i + 1 },
}));
const anchor: TokenizedExample[] = [{ ids: [1, 40, 41, 42, 0, 50, 51, 52, 63], labels: [-100, -100, -100, -100, -100, 50, 51, 52, 63], truncated: false, source: { file: 'anchor', line: 1 } }];

const secondAnchor: TokenizedExample = { ids: [1, 44, 45, 0, 50, 53, 54, 63], labels: [-100, -100, -100, -100, 50, 53, 54, 63], truncated: false, source: { file: 'anchor', line: 2 } };

async function spfTrainer(gate: SpfGate, k = 4, project: SpfProject = 'both', anchors = anchor, fold: AnchorFolding = 'auto') {
  const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
  const trainer = new Trainer(model, task, [], resolveTrainOptions({ maxSteps: 6, batchSize: 4, lr: 5e-3 }), 0);
  const projector = new SafetyProjector(model, anchors, resolveSpfOptions({ gate, k, project }), 0, Infinity, fold);
  trainer.addGradientHook(projector.hook);
  return { model, trainer, projector, dispose: () => [projector, trainer, model].forEach((x) => x.dispose()) };
}

/** Counts every GPU → CPU transfer the webgpu backend makes. */
function countReads(): { count: () => number; restore: () => void } {
  const backend = tf.backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
  let n = 0;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const name of ['read', 'readSync', 'readToGPU']) {
    const f = backend[name];
    if (typeof f !== 'function') continue;
    originals.set(name, f);
    backend[name] = function (this: unknown, ...a: unknown[]) {
      n++;
      return f.apply(this, a);
    };
  }
  return { count: () => n, restore: () => originals.forEach((f, name) => (backend[name] = f)) };
}

describe('SPF in the trainer', () => {
  // The anchors' passes share the step's ReadbackPacer with the accumulation loop: a tiny model's whole SPF step is one
  // read-back (the per-step metrics); where the queued work passes the budget (a real model's, here forced with a
  // budget of 1 op) each anchor pass's loss is read back too, the await giving the WebGPU host an event-loop turn to release
  // the anchor pass's bind groups (without it a real-size step exhausted Mesa's memory mappings).
  // Folded into the step's one micro-batch, the anchors have no pass of their own to pace.
  test.each([
    ['the default budget', undefined, 'never', 1],
    ['a budget of 1 op', 1, 'never', 2], // one per anchor pass (the two anchors share one), then the step's own
    ['a budget of 1 op and the anchors folded in', 1, 'always', 1],
  ] as const)('on WebGPU with %s an SPF step makes the read-backs the pacer asks for', async (_, budget, fold, expected) => {
    await setBackend('webgpu');
    const s = await spfTrainer('direction', 4, 'both', [...anchor, secondAnchor], fold);
    if (budget !== undefined) s.trainer.opsBetweenReadbacks = budget;
    await s.trainer.trainStep(); // warm-up: first-use pipeline compiles, subspace cold start
    const reads = countReads();
    try {
      for (let i = 0; i < 3; i++) {
        const before = reads.count();
        const stats = await s.trainer.trainStep();
        expect(reads.count() - before).toBe(expected);
        expect(s.trainer.lastStepPacedReadbacks).toBe(expected - 1);
        expect(Number.isFinite(stats.extra[SPF_METRICS.cos]!)).toBe(true);
        expect(Number.isFinite(stats.extra[SPF_METRICS.updateCos]!)).toBe(true);
      }
    } finally {
      reads.restore();
      s.dispose();
    }
  });

  // Many anchors are many passes queued in one step: the default budget syncs among them every few passes, neither
  // never (a real model's anchors would pile up per-dispatch resources, see mean-loss-yields.test.ts) nor per anchor.
  test('with 40 anchors the default budget reads back every few anchors (cpu)', async () => {
    await setBackend('cpu');
    const many = Array.from({ length: 40 }, (_, i): TokenizedExample => ({ ...anchor[0]!, ids: [1, 40 + (i % 20), 41, 0, 50, 51 + (i % 9), 63], labels: [-100, -100, -100, -100, 50, 51 + (i % 9), 63] }));
    const s = await spfTrainer('always', 4, 'update', many);
    try {
      const stats = await s.trainer.trainStep();
      expect(Number.isFinite(stats.extra[SPF_METRICS.safetyLoss]!)).toBe(true);
      expect(s.trainer.lastStepPacedReadbacks).toBeGreaterThan(1);
      expect(s.trainer.lastStepPacedReadbacks).toBeLessThan(20);
    } finally {
      s.dispose();
    }
  });

  test.each(['global', 'block', 'direction', 'always'] as const)('gate %s: the same SPF steps on cpu (reference math) and WebGPU (kernels)', async (gate) => {
    const runs: Record<string, number>[][] = [];
    for (const backend of ['cpu', 'webgpu'] as const) {
      await setBackend(backend);
      const s = await spfTrainer(gate);
      const out: Record<string, number>[] = [];
      while (!s.trainer.done) {
        const st = await s.trainer.trainStep();
        out.push({ loss: st.loss, gradNorm: st.gradNorm, ...st.extra });
      }
      runs.push(out);
      s.dispose();
    }
    const [cpu, gpu] = runs as [Record<string, number>[], Record<string, number>[]];
    cpu.forEach((row, i) => {
      for (const [k, v] of Object.entries(row)) expect(gpu[i]![k], `step ${i + 1} ${k}`).toBeCloseTo(v, 3);
    });
    // The runs must exercise both projections (project 'both'): some step removed something from each.
    expect(cpu.some((r) => r[SPF_METRICS.removed]! > 0)).toBe(true);
    // (the toy task's total rarely conflicts with the anchor, so the global gate may never fire on the update)
    if (gate !== 'global') expect(cpu.some((r) => r[SPF_METRICS.updateRemoved]! > 0)).toBe(true);
  });

  test("'always' with k = r: every projected block is orthogonal to its safety gradient", async () => {
    await setBackend('cpu');
    const s = await spfTrainer('always', 4, 'gradient');
    await s.trainer.trainStep(); // afterwards B ≠ 0, so every block (A and B) has a safety gradient
    const vars = s.model.adapter!.variables();
    const checks: { dot: number; scale: number }[] = [];
    // Hooks run in order after SPF's and before the optimizer: the parameters are those SPF saw, so the safety
    // gradient computed here (on the refusal tokens the default anchor loss counts) is exactly the one SPF projected against.
    const scoped = anchor.map((a) => scopeAnchor(a, DEFAULT_SPF_OPTIONS.anchorTokens));
    s.trainer.addGradientHook(({ grads }) => {
      const gs = tf.variableGrads(() => meanNll(s.model, toBatch(scoped, 9, 0)), vars);
      vars.forEach((v, i) => {
        const a = gs.grads[v.name]!;
        const b = viewTensor(grads, i, v.shape);
        checks.push({
          dot: tf.sum(tf.mul(a, b)).dataSync()[0]!,
          scale: Math.sqrt(tf.sum(tf.square(a)).dataSync()[0]! * tf.sum(tf.square(b)).dataSync()[0]!),
        });
        b.dispose();
      });
      for (const t of [gs.value, ...Object.values(gs.grads)]) t.dispose();
      return {};
    });
    await s.trainer.trainStep();
    expect(checks).toHaveLength(vars.length);
    const worst = Math.max(...checks.map((c) => Math.abs(c.dot) / (c.scale + 1e-30)));
    expect(worst).toBeLessThan(2e-3);
    s.dispose();
  });

  test('numTensors is unchanged across SPF steps', async () => {
    await setBackend('webgpu');
    const s = await spfTrainer('direction');
    await s.trainer.trainStep();
    await s.trainer.trainStep();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await s.trainer.trainStep();
    expect(tf.memory().numTensors).toBe(n);
    s.dispose();
  });
});
