import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import { loadDataset } from '../../engine/data/load-dataset';
import { loadCausalLM } from '../../engine/model/load';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { memoryRunHost } from '../../engine/run/memory-host';
import { soleModel } from '../../engine/run/model-access';
import { summarizeModel } from '../../engine/run/model-summary';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../engine/run/run-config';
import type { RunEvent } from '../../engine/run/run-events';
import type { EvaluationExtras } from '../../engine/run/run-host';
import { decodeRunRecord, encodeRunRecord } from '../../engine/run/run-record';
import { newRunRecord, runData } from '../../engine/run/run-setup';
import { TrainingRun } from '../../engine/run/training-run';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { setBackend } from '../helpers/backend';
import { chatRows, PROBE } from '../worker/helpers/site';

// The token accuracy and sample answers the host measures after each evaluation are kept with the run, beside its
// eval series: in the stored record (so the exported record holds them), trimmed to the checkpoint on resume and
// measured again from there, each step once (tfjs-cpu, a tiny Llama, a memory run folder).

const bytes = new TextEncoder().encode(chatRows(12).map((r) => JSON.stringify(r)).join('\n') + '\n');

/** What a host would measure at `step`, distinct per step and per stretch of training, so each stored value is traceable. */
function measured(step: number, stretch: string): EvaluationExtras {
  return { accuracy: step / 10, samples: [{ prompt: 'Spell red.', expected: 'r-e-d', reply: `${stretch} @${step}` }] };
}

/** The tiny model, its tokenizer and the chat rows, on tfjs-cpu. */
async function tinySetup() {
  await setBackend('cpu');
  const files = new MemoryFiles(tinyCheckpointFiles('llama', { seed: 3 }), 'tiny');
  const tokenizer = await loadTokenizer(files);
  const model = await loadCausalLM(files);
  const loaded = await loadDataset(bytes, 'chat.jsonl', tokenizer, { maxLength: 48 });
  return { tokenizer, model, loaded };
}

test('accuracy and sample answers are stored with the run, survive a resume from its checkpoint, and round-trip as the record', async () => {
  const { tokenizer, model, loaded } = await tinySetup();
  const d = DEFAULT_RUN_CONFIG;
  // 6 steps, an evaluation after every step, a checkpoint every 2 (steps 2, 4, 6).
  const config = resolveRunConfig({
    ...d,
    lora: { ...d.lora, r: 2, alpha: 4 },
    train: { ...d.train, batchSize: 2, maxLength: 48, maxSteps: 6, checkpointEvery: 2, seed: 1 },
    spf: { ...d.spf, enabled: false },
    evalEvery: 1,
    guard: { enabled: false, driftThreshold: 0.5 },
  });
  const safety = { anchors: [], probe: PROBE.slice(0, 1) };
  const summary = summarizeModel(model.config, 'tiny', tokenizer.hasChatTemplate, 'cpu');
  const record = newRunRecord({ runId: 'run-eval', now: new Date(), model: { source: { kind: 'folder', path: 'tiny' }, summary }, dataset: { fileName: 'chat.jsonl' }, loaded, config, safety });
  const data = runData(tokenizer, loaded, safety, 48);
  const before = tf.memory().numTensors;

  // First stretch: the device fails while step 3 trains (after its evaluation, before step 4): the run pauses at the
  // checkpoint of step 2, and its stored record holds what was measured up to step 3.
  const gpu: { failure?: Error } = {};
  const firstEvents: RunEvent[] = [];
  const first = memoryRunHost(soleModel(model, tokenizer.padTokenId), (e) => {
    firstEvents.push(e);
    if (e.type === 'metrics' && e.points.some((p) => p.step === 3)) gpu.failure = new Error('GPU device lost (test)');
  }, { gpuFailure: () => gpu.failure, onEvaluated: async (step) => measured(step, 'first') });
  const run = await TrainingRun.start(first, record, data, bytes);
  await expect(run.train()).rejects.toThrow('GPU device lost (test)');
  await run.dispose();
  const stored = (await first.folder.readRecord())!;
  expect(stored).toMatchObject({ status: 'paused', checkpointStep: 2 });
  expect(stored.series.accuracy).toEqual([0, 1, 2, 3].map((step) => ({ step, accuracy: step / 10 })));
  expect(stored.series.samples.map((g) => g.samples[0]!.reply)).toEqual(['first @0', 'first @1', 'first @2', 'first @3']);
  // ... and the page heard each as it was measured.
  expect(firstEvents.filter((e) => e.type === 'tokenAccuracy').map((e) => e.type === 'tokenAccuracy' && [e.runId, e.step, e.accuracy])).toEqual([0, 1, 2, 3].map((s) => ['run-eval', s, s / 10]));
  expect(firstEvents.filter((e) => e.type === 'samples').map((e) => e.type === 'samples' && e.generation.step)).toEqual([0, 1, 2, 3]);

  // Second stretch, on the stored record (as after a reload): what step 3 measured is dropped with step 3 itself, and
  // measured again; the finished run's series holds every evaluation once, in step order.
  gpu.failure = undefined;
  const second = memoryRunHost(soleModel(model, tokenizer.padTokenId), () => {}, { folder: first.folder, onEvaluated: async (step) => measured(step, 'second') });
  const resumed = await TrainingRun.resume(second, stored, data);
  expect(resumed.record.series.accuracy.map((p) => p.step)).toEqual([0, 1, 2]);
  expect(resumed.record.series.samples.map((g) => g.step)).toEqual([0, 1, 2]);
  await expect(resumed.train()).resolves.toBe('done');
  await resumed.dispose();
  const done = (await first.folder.readRecord())!;
  expect(done.status).toBe('done');
  expect(done.series.accuracy).toEqual([0, 1, 2, 3, 4, 5, 6].map((step) => ({ step, accuracy: step / 10 })));
  expect(done.series.samples.map((g) => g.samples[0]!.reply)).toEqual(['first @0', 'first @1', 'first @2', 'second @3', 'second @4', 'second @5', 'second @6']);
  expect(done.series.samples.every((g) => g.samples[0]!.prompt === 'Spell red.' && g.samples[0]!.expected === 'r-e-d')).toBe(true);

  // The record as exported (the bytes the record zip holds) reads back whole.
  expect(decodeRunRecord(encodeRunRecord(done), 'the exported record')).toEqual(done);
  // A record written before the SPF options anchorTokens and anchorsPerPass existed reads them as their defaults.
  const { anchorTokens: _t, anchorsPerPass: _p, ...olderSpf } = done.config.spf;
  const older = decodeRunRecord(encodeRunRecord({ ...done, config: { ...done.config, spf: olderSpf as typeof done.config.spf } }), 'an older record');
  expect(older.config.spf).toEqual({ ...done.config.spf, anchorTokens: 'all', anchorsPerPass: 1 });
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
}, 120_000);

test('a host that measures nothing adds nothing: no accuracy without validation rows, no samples without prompts', async () => {
  const { tokenizer, model, loaded } = await tinySetup();
  const d = DEFAULT_RUN_CONFIG;
  const config = resolveRunConfig({ ...d, lora: { ...d.lora, r: 2, alpha: 4 }, train: { ...d.train, batchSize: 2, maxLength: 48, maxSteps: 2, seed: 1 }, spf: { ...d.spf, enabled: false }, evalEvery: 1, guard: { enabled: false, driftThreshold: 0.5 } });
  const safety = { anchors: [], probe: PROBE.slice(0, 1) };
  const summary = summarizeModel(model.config, 'tiny', tokenizer.hasChatTemplate, 'cpu');
  const record = newRunRecord({ runId: 'run-none', now: new Date(), model: { source: { kind: 'folder', path: 'tiny' }, summary }, dataset: { fileName: 'chat.jsonl' }, loaded, config, safety });
  const events: RunEvent[] = [];
  const host = memoryRunHost(soleModel(model, tokenizer.padTokenId), (e) => events.push(e), { onEvaluated: async () => ({ samples: [] }) });
  const run = await TrainingRun.start(host, record, runData(tokenizer, loaded, safety, 48), bytes);
  await expect(run.train()).resolves.toBe('done');
  await run.dispose();
  const stored = (await host.folder.readRecord())!;
  expect(stored.series.evals.map((p) => p.step)).toEqual([0, 1, 2]); // evaluations ran
  expect([stored.series.accuracy, stored.series.samples]).toEqual([[], []]);
  expect(events.filter((e) => e.type === 'tokenAccuracy' || e.type === 'samples')).toEqual([]);
  model.dispose();
}, 60_000);
