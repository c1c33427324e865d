import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import { MemoryCheckpointStore } from '../../engine/train/checkpoint-store';
import { loadCheckpoint } from '../../engine/train/checkpoint';
import { runTraining } from '../../engine/train/run';
import { LoraAdapter } from '../../engine/model/lora';
import type { TokenizedExample } from '../../engine/data/types';

const data: TokenizedExample[] = Array.from({ length: 20 }, (_, i) => ({
  ids: [1, 2 + (i % 9), 3 + (i % 7), 0, 3 + (i % 7), 2 + (i % 9), 63],
  labels: [-100, -100, -100, -100, 3 + (i % 7), 2 + (i % 9), 63],
  truncated: false,
  source: { file: 'toy', line: i + 1 },
}));

describe('checkpoints through a store', () => {
  test('a run stopped half-way and resumed from its checkpoint ends with the same adapter as an uninterrupted run', async () => {
    await setBackend('cpu');
    const opts = resolveTrainOptions({ maxSteps: 8, batchSize: 3, gradAccum: 2, lr: 5e-3, warmupSteps: 2, checkpointEvery: 3 });
    const run = { model: 'tiny llama' };

    const straightModel = await tinyModel('llama', { lora: { dropout: 0.1 } });
    const straight = new Trainer(straightModel, data, [], opts, 0);
    expect(await runTraining(straight, { run })).toBe('done');
    const want = await straightModel.adapter!.toHost();

    const store = new MemoryCheckpointStore();
    const m1 = await tinyModel('llama', { lora: { dropout: 0.1 } });
    const t1 = new Trainer(m1, data, [], opts, 0);
    let steps = 0;
    const end = await runTraining(t1, { run, store, control: { request: () => (steps >= 4 ? 'stop' : 'continue') }, hooks: { onStep: () => void steps++ } });
    expect(end).toBe('stopped');
    t1.dispose();
    m1.dispose();

    const saved = await loadCheckpoint(store);
    expect(saved?.position.step).toBe(4);
    expect(saved?.run).toEqual(run);
    const m2 = await tinyModel('llama', { lora: { dropout: 0.1 } });
    m2.adapter!.dispose();
    m2.adapter = LoraAdapter.fromHost(m2.config, saved!.adapter);
    const t2 = new Trainer(m2, data, [], saved!.options, 0, saved!.position);
    t2.loadOptimizer(saved!.optimizer);
    expect(await runTraining(t2, { run, store })).toBe('done');
    const got = await m2.adapter.toHost();
    for (const [path, w] of want.modules) {
      const g = got.modules.get(path)!;
      w.A.forEach((x, i) => expect(Math.abs(g.A[i]! - x)).toBeLessThan(1e-6));
      w.B.forEach((x, i) => expect(Math.abs(g.B[i]! - x)).toBeLessThan(1e-6));
    }
    expect((await loadCheckpoint(store))?.position.step).toBe(8);
    for (const x of [straight, t2, straightModel, m2]) x.dispose();
  });

  test('a checkpoint whose files disagree on the step is refused with a clear error', async () => {
    await setBackend('cpu');
    const model = await tinyModel('qwen2');
    const store = new MemoryCheckpointStore();
    const t = new Trainer(model, data, [], resolveTrainOptions({ maxSteps: 2, batchSize: 2 }), 0);
    await runTraining(t, { run: {}, store, control: { request: () => (t.step >= 1 ? 'pause' : 'continue') } });
    const oldAdapter = store.files.get('adapter.safetensors')!;
    await runTraining(t, { run: {}, store });
    store.files.set('adapter.safetensors', oldAdapter);
    await expect(loadCheckpoint(store)).rejects.toThrow(/adapter.safetensors .* from step 1 but the trainer state is at step 2/);
    expect(await loadCheckpoint(new MemoryCheckpointStore())).toBeUndefined();
    t.dispose();
    model.dispose();
  });
});
