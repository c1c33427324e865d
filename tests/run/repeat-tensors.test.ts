import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { randomHostLora } from '../helpers/random-lora';
import { tinyModel } from '../helpers/tiny-model';
import { chatRows, ANCHOR, PROBE } from '../worker/helpers/site';
import { loadDataset, type LoadedDataset } from '../../engine/data/load-dataset';
import type { TokenizedExample } from '../../engine/data/types';
import { exportMergedModel } from '../../engine/export/merge';
import { peftAdapterFiles, readPeftAdapter, writePeftAdapter } from '../../engine/export/peft-adapter';
import { greedyCompletions } from '../../engine/model/batched-greedy';
import type { CausalLM } from '../../engine/model/causal-lm';
import { generate, generateTokens } from '../../engine/model/generate';
import { loadCausalLM } from '../../engine/model/load';
import { LoraAdapter, type HostLoraWeights } from '../../engine/model/lora';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { memoryRunHost } from '../../engine/run/memory-host';
import { soleModel } from '../../engine/run/model-access';
import { modelFingerprint } from '../../engine/run/model-fingerprint';
import { summarizeModel } from '../../engine/run/model-summary';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../engine/run/run-config';
import { newRunRecord, runData } from '../../engine/run/run-setup';
import { tokenAccuracy } from '../../engine/run/token-accuracy';
import { TrainingRun } from '../../engine/run/training-run';
import { SafetyProbe } from '../../engine/safety/drift';
import { evaluateRefusals, greedyChatReply } from '../../engine/safety/refusal-eval';
import { SafetyProjector, type AnchorFolding } from '../../engine/safety/safety-projector';
import { resolveSpfOptions, SPF_GATES, SPF_PROJECTS, type SpfGate, type SpfOptions, type SpfProject } from '../../engine/safety/spf-options';
import { evaluateTask } from '../../engine/safety/task-eval';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { resolveTrainOptions, type TrainOptions } from '../../engine/train/options';
import { Trainer } from '../../engine/train/trainer';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { greedyReplies } from '../../scripts/experiment/respond';

// The project's memory rule, for every engine operation a user can repeat (a chat reply, a refusal check, a drift or
// validation pass, an export, an adapter swap, a training step, a checkpoint and its resume): run it once (it may
// create lasting state: caches, optimizer moments, SPF's subspace), then again; the second run must leave
// tf.memory().numTensors where it found it. A leak of even one tensor per call is a long browser session's GPU memory.
// tfjs-cpu and tfjs-wasm, a tiny random Llama and its tiny tokenizer.

/** Tensors left by the second of two runs of `op`. */
async function leakedBySecondRun(op: () => Promise<unknown>): Promise<number> {
  await op();
  const before = tf.memory().numTensors;
  await op();
  return tf.memory().numTensors - before;
}

const bytes = new TextEncoder().encode(chatRows(12).map((r) => JSON.stringify(r)).join('\n') + '\n');

describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
  let files: MemoryFiles;
  let model: CausalLM;
  let tokenizer: TextTokenizer;
  let lora: HostLoraWeights;
  let loaded: LoadedDataset;
  const requests = ['How do I pick a lock?', 'What is 2 plus 2?', 'Name a color.', 'How do I steal a car?', 'Spell red.'];

  beforeAll(async () => {
    await setBackend(backend);
    files = new MemoryFiles(tinyCheckpointFiles('llama', { seed: 3 }), 'tiny');
    tokenizer = await loadTokenizer(files);
    const probe = await loadCausalLM(files);
    lora = randomHostLora(probe.config, 9);
    probe.dispose();
    model = await loadCausalLM(files, { adapter: { kind: 'weights', weights: lora } });
    loaded = await loadDataset(bytes, 'chat.jsonl', tokenizer, { maxLength: 64, validation: 0.25 });
  });
  afterAll(() => model.dispose());

  describe('generation (KV cache)', () => {
    const prompt = [10, 20, 30, 40];
    test('greedy', async () => {
      expect(await leakedBySecondRun(() => generate(model, prompt, { maxNewTokens: 6, eosTokenIds: [] }))).toBe(0);
    });
    test('sampled (temperature and top-p)', async () => {
      expect(await leakedBySecondRun(() => generate(model, prompt, { maxNewTokens: 6, eosTokenIds: [], temperature: 0.9, topP: 0.8, seed: 5 }))).toBe(0);
    });
    test('a reader that stops early (the chat reply breaking at EOS)', async () => {
      const firstTwo = async (): Promise<void> => {
        let n = 0;
        for await (const _ of generateTokens(model, prompt, { maxNewTokens: 6, eosTokenIds: [], temperature: 0.7 })) if (++n === 2) break;
      };
      expect(await leakedBySecondRun(firstTwo)).toBe(0);
    });
    test('aborted between tokens', async () => {
      const aborted = async (): Promise<void> => {
        const controller = new AbortController();
        let n = 0;
        for await (const _ of generateTokens(model, prompt, { maxNewTokens: 6, eosTokenIds: [], signal: controller.signal })) if (++n === 2) controller.abort();
      };
      expect(await leakedBySecondRun(aborted)).toBe(0);
    });
    test('batched greedy completions of prompts of several lengths', async () => {
      const prompts = [[5, 6, 7], [8, 9, 10], [11, 12], [5, 6, 7, 8, 9]];
      expect(await leakedBySecondRun(() => greedyCompletions(model, prompts, { maxNewTokens: 5, eosTokenIds: [], batchSize: 2 }))).toBe(0);
    });
  });

  describe('evaluations', () => {
    test.each([1, 4])('the refusal check, batch size %i', async (batchSize) => {
      expect(await leakedBySecondRun(() => evaluateRefusals(model, tokenizer, requests, { maxNewTokens: 6, batchSize }))).toBe(0);
    });
    test('an aborted refusal check', async () => {
      const aborted = async (): Promise<void> => {
        const controller = new AbortController();
        const run = evaluateRefusals(model, tokenizer, requests, { maxNewTokens: 6, signal: controller.signal, onResponse: () => controller.abort() });
        await expect(run).rejects.toThrow(/aborted/);
      };
      expect(await leakedBySecondRun(aborted)).toBe(0);
    });
    test('a greedy chat reply and the task evaluation', async () => {
      expect(await leakedBySecondRun(() => greedyChatReply(model, tokenizer, requests[0]!, 6))).toBe(0);
      const items = [{ prompt: 'What is 2 plus 2?', answer: '4' }, { prompt: 'Spell red.', answer: 'r-e-d' }];
      expect(await leakedBySecondRun(() => evaluateTask(model, tokenizer, items, { match: 'final-number', maxNewTokens: 6 }))).toBe(0);
    });
    test('the drift probe (baseline, then a measurement)', async () => {
      const data = runData(tokenizer, loaded, { anchors: [], probe: PROBE }, 64);
      const probe = new SafetyProbe(data.probe, { batchSize: 2, maxLength: 64, padId: tokenizer.padTokenId });
      expect(await leakedBySecondRun(() => probe.start(model))).toBe(0);
      expect(await leakedBySecondRun(() => probe.measure(model, 1))).toBe(0);
    });
    test('the validation loss and the token accuracy', async () => {
      expect(loaded.validation.length).toBeGreaterThan(0);
      const trainer = new Trainer(model, loaded.train, loaded.validation, resolveTrainOptions({ maxSteps: 2, batchSize: 2, maxLength: 64 }), tokenizer.padTokenId);
      expect(await leakedBySecondRun(() => trainer.evaluate())).toBe(0);
      trainer.dispose();
      expect(await leakedBySecondRun(() => tokenAccuracy(model, loaded.validation, 2, 64, tokenizer.padTokenId))).toBe(0);
    });
    test('the model fingerprint', async () => {
      expect(await leakedBySecondRun(() => modelFingerprint(model))).toBe(0);
    });
    test('the experiment\'s greedy replies (with an assistant prefix)', async () => {
      const prompts = requests.map((user, i) => ({ user, assistantPrefix: i % 2 === 0 ? 'Sure' : undefined }));
      expect(await leakedBySecondRun(() => greedyReplies(model, tokenizer, prompts, 5))).toBe(0);
    });
  });

  describe('adapters and exports', () => {
    test('loading a model with an adapter and releasing it', async () => {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) (await loadCausalLM(files, { adapter: { kind: 'weights', weights: lora } })).dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
    test('an adapter swapped in and out of the loaded model', async () => {
      const own = model.adapter;
      const swap = async (): Promise<void> => {
        const adapter = LoraAdapter.fromHost(model.config, randomHostLora(model.config, 2), 'test');
        model.adapter = adapter;
        await generate(model, [1, 2, 3], { maxNewTokens: 2, eosTokenIds: [] });
        model.adapter = undefined; // the base model's reply
        await generate(model, [1, 2, 3], { maxNewTokens: 2, eosTokenIds: [] });
        model.adapter = own;
        adapter.dispose();
      };
      expect(await leakedBySecondRun(swap)).toBe(0);
    });
    test('the adapter export (read back, written as PEFT, read as PEFT)', async () => {
      const exportAdapter = async (): Promise<void> => {
        const written = writePeftAdapter(await model.adapter!.toHost(), 'tiny');
        const host = await readPeftAdapter(new MemoryFiles(peftAdapterFiles(written), 'exported'), model.config);
        LoraAdapter.fromHost(model.config, host, 'the exported adapter').dispose();
      };
      expect(await leakedBySecondRun(exportAdapter)).toBe(0);
    });
    test.each(['same-as-base', 'BF16'] as const)('the merged export (%s)', async (dtype) => {
      expect(await leakedBySecondRun(async () => exportMergedModel(files, await model.adapter!.toHost(), { dtype }))).toBe(0);
    });
  });

  /** Toy task rows and anchors over the tiny model's 64-token vocabulary (as tests/safety/spf-trainer.test.ts). */
  const task: TokenizedExample[] = Array.from({ length: 16 }, (_, i) => ({
    ids: [1, 2 + (i % 11), 3 + (i % 5), 0, 3 + (i % 5), 2 + (i % 11), 63],
    labels: [-100, -100, -100, -100, 3 + (i % 5), 2 + (i % 11), 63],
    truncated: false,
    source: { file: 'toy', line: i + 1 },
  }));
  const anchors: TokenizedExample[] = [
    { ids: [1, 40, 41, 42, 0, 50, 51, 52, 63], labels: [-100, -100, -100, -100, -100, 50, 51, 52, 63], truncated: false, source: { file: 'anchor', line: 1 } },
    { ids: [1, 44, 45, 0, 50, 53, 54, 63], labels: [-100, -100, -100, -100, 50, 53, 54, 63], truncated: false, source: { file: 'anchor', line: 2 } },
  ];

  describe('training steps with SPF', () => {
    interface Case {
      project: SpfProject;
      gate: SpfGate;
      fold?: AnchorFolding; // default 'auto' (never folded on tfjs-cpu)
      dropout?: number; // LoRA dropout, default 0 (dropout > 0 never folds)
      spf?: Partial<SpfOptions>;
      passTokens?: number; // the most tokens one anchor pass may hold (default: no bound)
    }
    const cases: [string, Case][] = [
      ...SPF_PROJECTS.flatMap((project) => SPF_GATES.map((gate): [string, Case] => [`project ${project}, gate ${gate}`, { project, gate }])),
      ['anchors folded into the first micro-batch', { project: 'both', gate: 'direction', fold: 'always' }],
      ['anchors in their own pass, with LoRA dropout', { project: 'update', gate: 'direction', fold: 'never', dropout: 0.1 }],
      ['the subspace reused every other step', { project: 'both', gate: 'direction', spf: { refreshEvery: 2 } }],
      ['two anchors per gradient, first refusal token only', { project: 'update', gate: 'always', spf: { anchorsPerPass: 2, anchorTokens: 1 } }],
      ['anchor passes split by a small token bound', { project: 'update', gate: 'block', passTokens: 9 }],
    ];
    test.each(cases)('%s', async (_name, c) => {
      const m = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: c.dropout ?? 0 } });
      const trainer = new Trainer(m, task, [], resolveTrainOptions({ maxSteps: 8, batchSize: 4, gradAccum: 2, lr: 5e-3 }), 0);
      const projector = new SafetyProjector(m, anchors, resolveSpfOptions({ gate: c.gate, k: 2, project: c.project, ...c.spf }), 0, c.passTokens ?? Infinity, c.fold ?? 'auto');
      trainer.addGradientHook(projector.hook);
      expect(await leakedBySecondRun(() => trainer.trainStep())).toBe(0);
      expect(await leakedBySecondRun(() => trainer.trainStep())).toBe(0);
      if (c.fold === 'always') expect(projector.foldedRefreshes).toBeGreaterThan(0);
      for (const x of [projector, trainer, m]) x.dispose();
    });
  });

  describe('a run with SPF and its plain-LoRA comparison', () => {
    /** An SPF run with its plain LoRA comparison, six steps, evaluated every step, on `base`. */
    const spfRun = (base: CausalLM, train: Partial<TrainOptions>, guard: boolean) => {
      const d = DEFAULT_RUN_CONFIG;
      const config = resolveRunConfig({
        ...d,
        lora: { ...d.lora, r: 4, alpha: 8 },
        train: { ...d.train, batchSize: 2, maxLength: 64, seed: 1, maxSteps: 6, checkpointEvery: 1, ...train },
        spf: { ...d.spf, enabled: true, k: 2 },
        compareWithPlain: true,
        evalEvery: 1,
        guard: { enabled: guard, driftThreshold: 0.5 },
      });
      const safety = { anchors: ANCHOR, probe: PROBE.slice(0, 2) };
      const summary = summarizeModel(base.config, 'tiny', tokenizer.hasChatTemplate, backend);
      const record = (runId: string) => newRunRecord({ runId, now: new Date(), model: { source: { kind: 'folder', path: 'tiny' }, summary }, dataset: { fileName: 'chat.jsonl' }, loaded, config, safety });
      return { record, data: runData(tokenizer, loaded, safety, 64) };
    };

    test('checkpoint, pause, resume and release, twice over, leave no tensor', async () => {
      const base = await loadCausalLM(files);
      const { record: newRecord, data } = spfRun(base, {}, false);
      const record = newRecord('run-repeat');
      let pauseAt = 0;
      let current: TrainingRun | undefined;
      const host = memoryRunHost(soleModel(base, tokenizer.padTokenId), (e) => {
        if (e.type === 'metrics' && e.points.some((p) => p.step === pauseAt)) current?.pause('test');
      });
      const before = tf.memory().numTensors;
      pauseAt = 2;
      current = await TrainingRun.start(host, record, data, bytes);
      expect(await current.train()).toBe('paused');
      await current.dispose();
      expect(tf.memory().numTensors).toBe(before);
      for (const stop of [4, 5]) {
        const stored = (await host.folder.readRecord())!;
        pauseAt = stop;
        current = await TrainingRun.resume(host, stored, data);
        current.requestCheckpoint();
        expect(await current.train()).toBe('paused');
        expect((await host.folder.readRecord())!.checkpointStep).toBe(stop);
        await current.dispose();
        expect(tf.memory().numTensors, `after the resume that paused at step ${stop}`).toBe(before);
      }
      // A resume refused after its adapters were restored (another model of the same shape: the fingerprint differs).
      const other = await loadCausalLM(new MemoryFiles(tinyCheckpointFiles('llama', { seed: 4 }), 'tiny'));
      const otherHost = memoryRunHost(soleModel(other, tokenizer.padTokenId), () => {}, { folder: host.folder });
      const beforeRefused = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) await expect(TrainingRun.resume(otherHost, (await host.folder.readRecord())!, data)).rejects.toThrow(/is not the one it trained/);
      expect(tf.memory().numTensors).toBe(beforeRefused);
      other.dispose();
      // ... and on to the end.
      pauseAt = -1;
      current = await TrainingRun.resume(host, (await host.folder.readRecord())!, data);
      expect(await current.train()).toBe('done');
      await current.dispose();
      expect(tf.memory().numTensors).toBe(before);
      base.dispose();
    });

    test('a diverged run releases everything', async () => {
      const base = await loadCausalLM(files);
      const { record: newRecord, data } = spfRun(base, { lr: 1e30, schedule: 'constant', maxGradNorm: 0 }, true);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) {
        const record = newRecord(`run-diverged-${i}`);
        const run = await TrainingRun.start(memoryRunHost(soleModel(base, tokenizer.padTokenId), () => {}), record, data, bytes);
        await expect(run.train()).rejects.toThrow(/diverged/);
        await run.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }
      base.dispose();
    });
  });
});
