import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import { LoraAdapter } from '../../engine/model/lora';
import type { TokenizedExample } from '../../engine/data/types';
import { mulberry32 } from '../../engine/util/random';

/** A learnable toy task: prompt "a b" → completion "b a" + EOS, over a 64-token vocabulary. */
function swapTask(n: number, seed: number): TokenizedExample[] {
  const rand = mulberry32(seed);
  const out: TokenizedExample[] = [];
  for (let i = 0; i < n; i++) {
    const a = 2 + Math.floor(rand() * 20);
    const b = 2 + Math.floor(rand() * 20);
    const ids = [1, a, b, 0, b, a, 63];
    out.push({ ids, labels: [-100, -100, -100, -100, b, a, 63], truncated: false, source: { file: 'toy', line: i + 1 } });
  }
  return out;
}

const data = swapTask(64, 3);

describe('Trainer', () => {
  test('loss falls clearly on a learnable task (cpu)', async () => {
    await setBackend('cpu');
    const model = await tinyModel('llama', { lora: { r: 8, alpha: 16, dropout: 0 } });
    const trainer = new Trainer(model, data, [], resolveTrainOptions({ lr: 1e-2, maxSteps: 60, batchSize: 8, schedule: 'constant' }), 0);
    const losses: number[] = [];
    while (!trainer.done) losses.push((await trainer.trainStep()).loss);
    const head = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const tail = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(tail).toBeLessThan(head * 0.6);
    trainer.dispose();
    model.dispose();
  });

  test('numTensors after step 1 equals after step 100, with accumulation and clipping (cpu)', async () => {
    await setBackend('cpu');
    const model = await tinyModel('qwen3');
    const trainer = new Trainer(model, data, data.slice(0, 4), resolveTrainOptions({ maxSteps: 100, batchSize: 4, gradAccum: 2, maxGradNorm: 0.5 }), 0);
    await trainer.trainStep();
    const after1 = tf.memory().numTensors;
    while (!trainer.done) await trainer.trainStep();
    await trainer.evaluate();
    expect(tf.memory().numTensors).toBe(after1);
    trainer.dispose();
    model.dispose();
  });

  test('stop after N/2 + resume from saved state gives the same adapter as N straight steps (cpu)', async () => {
    await setBackend('cpu');
    const opts = resolveTrainOptions({ maxSteps: 10, batchSize: 3, gradAccum: 2, lr: 5e-3, warmupSteps: 2, weightDecay: 0.01 });
    const straight = await tinyModel('qwen2');
    const t1 = new Trainer(straight, data, [], opts, 0);
    while (!t1.done) await t1.trainStep();
    const want = await straight.adapter!.toHost();

    const first = await tinyModel('qwen2');
    const t2 = new Trainer(first, data, [], opts, 0);
    for (let i = 0; i < 5; i++) await t2.trainStep();
    const saved = { adapter: await first.adapter!.toHost(), optimizer: await t2.saveOptimizer(), position: t2.position };
    t2.dispose();
    first.dispose();

    const resumed = await tinyModel('qwen2');
    resumed.adapter!.dispose();
    resumed.adapter = LoraAdapter.fromHost(resumed.config, saved.adapter);
    const t3 = new Trainer(resumed, data, [], opts, 0, saved.position);
    t3.loadOptimizer(saved.optimizer);
    while (!t3.done) await t3.trainStep();
    const got = await resumed.adapter.toHost();
    for (const [path, m] of want.modules) {
      const g = got.modules.get(path)!;
      for (let i = 0; i < m.B.length; i++) expect(Math.abs(g.B[i]! - m.B[i]!)).toBeLessThan(1e-6);
      for (let i = 0; i < m.A.length; i++) expect(Math.abs(g.A[i]! - m.A[i]!)).toBeLessThan(1e-6);
    }
    for (const x of [t1, t3, straight, resumed]) x.dispose();
  });

  test('a step on WebGPU matches the same step on cpu', async () => {
    const stats = [];
    for (const backend of ['cpu', 'webgpu'] as const) {
      await setBackend(backend);
      const model = await tinyModel('llama3', { lora: { dropout: 0 } });
      const trainer = new Trainer(model, data, [], resolveTrainOptions({ maxSteps: 3, batchSize: 4, lr: 1e-2 }), 0);
      const s = [];
      while (!trainer.done) s.push(await trainer.trainStep());
      stats.push(s);
      trainer.dispose();
      model.dispose();
    }
    for (let i = 0; i < 3; i++) {
      expect(stats[1]![i]!.loss).toBeCloseTo(stats[0]![i]!.loss, 4);
      expect(stats[1]![i]!.gradNorm).toBeCloseTo(stats[0]![i]!.gradNorm, 4);
    }
  });
});
