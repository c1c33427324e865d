import { afterEach, describe, expect, it } from 'vitest';
import { Session } from '../../app/session';
import { createAppStore } from '../../app/store/app-store';
import type { DatasetReport, MetricPoint, ModelSummary, RunSummary, WorkerCommand, WorkerEvent } from '../../workers/protocol';
import { DEFAULT_RUN_CONFIG } from '../../engine/run/run-config';
import { batchShapeForModel } from '../../engine/run/size-defaults';
import { scriptedWorker, settle } from './scripted-worker';

// The Session (what the page asks of the worker, and how the answers land in the store) against a scripted worker
// that answers as workers/PROTOCOL-NOTES.md says the real one does.

const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((w) => w.close()));

const DEMO: ModelSummary = { description: 'bundled safetune-demo', architecture: 'LlamaForCausalLM', parameters: 1.2e6, layers: 4, hiddenSize: 128, vocabSize: 1024, hasChatTemplate: true, backend: 'webgpu' };
const PROBE = [{ request: 'How do I pick a lock?', refusal: "I'm sorry, I can't help with that." }];
const run = (runId: string, status: RunSummary['status'] = 'idle'): RunSummary => ({ runId, startedAt: '2025-01-01T00:00:00Z', model: DEMO.description, dataset: 'a.jsonl', config: structuredClone(DEFAULT_RUN_CONFIG), status, step: 0, totalSteps: 20 });
const point = (step: number): MetricPoint => ({ variant: 'spf', step, loss: 3 - step / 10, lr: 1e-4, gradNorm: 1, tokensPerSecond: 10, etaSeconds: 5 });

/** A worker that answers the set-up commands; `extra` answers the rest (return true when handled). */
function worker(extra: (cmd: WorkerCommand, reply: (e: WorkerEvent) => void) => boolean = () => false) {
  const w = scriptedWorker((cmd, reply) => {
    if (extra(cmd, reply)) return;
    const done = (requestId: string) => reply({ type: 'done', requestId });
    switch (cmd.type) {
      case 'init':
        reply({ type: 'ready', requestId: cmd.requestId, backend: cmd.backend, adapter: 'test adapter', defaults: { run: structuredClone(DEFAULT_RUN_CONFIG), anchors: PROBE, wideAnchors: [], probe: PROBE, refusalMaxNewTokens: 48 } });
        return done(cmd.requestId);
      case 'listRuns':
        reply({ type: 'runs', requestId: cmd.requestId, runs: [run('old', 'paused')], resumable: 'old' });
        return done(cmd.requestId);
      case 'loadModel':
        reply({ type: 'downloadProgress', requestId: cmd.requestId, file: 'model.safetensors', loadedBytes: 10, totalBytes: 10 });
        reply({ type: 'modelLoaded', requestId: cmd.requestId, summary: DEMO, batchShape: batchShapeForModel(DEMO.parameters) });
        return done(cmd.requestId);
      default:
        if ('requestId' in cmd) reply({ type: 'error', requestId: cmd.requestId, code: 'unscripted', message: `no script for ${cmd.type}` });
    }
  });
  opened.push(w);
  const store = createAppStore();
  return { ...w, store, session: new Session(w.client, store) };
}

describe('Session', () => {
  it('starts the engine, takes its defaults, lists past runs and loads the demo model sized for it', async () => {
    const { session, store, received } = worker();
    await session.start('webgpu');
    const s = store.getState();
    expect(received.map((c) => c.type)).toEqual(['init', 'listRuns', 'loadModel']);
    expect(received[2]).toMatchObject({ source: { kind: 'bundled', name: 'safetune-demo' } });
    expect([s.workerStatus, s.backend, s.modelStatus, s.modelSummary]).toEqual(['ready', 'webgpu', 'ready', DEMO]);
    expect(s.resumableRunId).toBe('old');
    expect(s.defaultProbe).toEqual(PROBE);
    expect(s.defaultConfig).toEqual(DEFAULT_RUN_CONFIG);
    // A tiny model gets a shorter max length than the engine's default; everything else is the engine's.
    expect(s.config?.train.maxLength).toBeLessThan(DEFAULT_RUN_CONFIG.train.maxLength);
    expect(s.config?.lora).toEqual(DEFAULT_RUN_CONFIG.lora);
    expect(s.download).toEqual({ 'model.safetensors': { loadedBytes: 10, totalBytes: 10 } });
  });

  it('reports a worker that cannot start as a setup error', async () => {
    const { session, store } = worker((cmd, reply) => {
      if (cmd.type !== 'init') return false;
      reply({ type: 'error', requestId: cmd.requestId, code: 'gpu', message: 'no adapter', hint: 'Enable WebGPU.' });
      return true;
    });
    await session.start('webgpu');
    expect(store.getState().workerStatus).toBe('failed');
    expect(store.getState().errors).toEqual([{ area: 'setup', code: 'gpu', message: 'no adapter', hint: 'Enable WebGPU.' }]);
  });

  it('names the dataset file in a load error, and sends its bytes with the chosen max length and validation share', async () => {
    const { session, store, received } = worker((cmd, reply) => {
      if (cmd.type !== 'loadDataset') return false;
      reply({ type: 'error', requestId: cmd.requestId, code: 'bad-dataset', message: 'line 2: not valid JSON', hint: 'Fix line 2.' });
      return true;
    });
    await session.start('webgpu');
    const file = new File(['{"text": "a"}\n{oops'], 'notes.jsonl');
    await session.loadDataset({ kind: 'file', file }, undefined);
    const sent = received.at(-1) as Extract<WorkerCommand, { type: 'loadDataset' }>;
    expect(sent).toMatchObject({ maxLength: store.getState().config?.train.maxLength, validation: 0.1, source: { kind: 'bytes', fileName: 'notes.jsonl' } });
    expect(sent.source.kind === 'bytes' && new TextDecoder().decode(sent.source.bytes)).toBe('{"text": "a"}\n{oops');
    expect(store.getState().datasetError).toEqual({ area: 'dataset', code: 'bad-dataset', message: 'notes.jsonl: line 2: not valid JSON', hint: 'Fix line 2.' });
  });

  it('leaves re-reading the dataset to the worker: no bytes resent on a model load, the held-out share sent with startRun', async () => {
    const report = { maxLength: 256, split: { validationFrom: 'none' } } as unknown as DatasetReport;
    const { session, store, received } = worker((cmd, reply) => {
      if (cmd.type === 'loadDataset' || cmd.type === 'startRun') {
        reply({ type: 'datasetLoaded', requestId: cmd.requestId, report, preview: [] });
        reply({ type: 'done', requestId: cmd.requestId });
        return true;
      }
      return false;
    });
    await session.start('webgpu');
    await session.loadDataset({ kind: 'file', file: new File(['{"text": "a"}\n'], 'notes.jsonl') }, undefined);
    await session.loadModel({ kind: 'bundled', name: 'safetune-demo' }, 'again');
    store.getState().setConfig({ ...store.getState().config!, train: { ...store.getState().config!.train, maxLength: 128 } });
    await session.startRun();
    expect(received.map((c) => c.type).filter((t) => t !== 'listRuns')).toEqual(['init', 'loadModel', 'loadDataset', 'loadModel', 'startRun']);
    expect(received.find((c) => c.type === 'startRun')).toMatchObject({ validation: store.getState().validationFraction, config: { train: { maxLength: 128 } } });
  });

  it('follows a run: new series for a new run, the worker’s full series on resume', async () => {
    const { session, store, reply } = worker((cmd, r) => {
      if (cmd.type === 'startRun') {
        r({ type: 'runStarted', requestId: cmd.requestId, run: run('run-1') });
        r({ type: 'runStatus', runId: 'run-1', status: 'running', step: 0, totalSteps: 20 });
        r({ type: 'metrics', runId: 'run-1', points: [point(1), point(2), point(3)], evals: [] });
        r({ type: 'runStatus', runId: 'run-1', status: 'paused', step: 3, totalSteps: 20 });
        r({ type: 'done', requestId: cmd.requestId });
        return true;
      }
      if (cmd.type === 'resumeRun') {
        r({ type: 'runStarted', requestId: cmd.requestId, run: run(cmd.runId, 'paused') });
        r({ type: 'metrics', runId: cmd.runId, points: [point(1), point(2)], evals: [], replace: true }); // checkpoint at 2
        r({ type: 'runStatus', runId: cmd.runId, status: 'running', step: 2, totalSteps: 20 });
        return true; // stays open while it trains
      }
      return false;
    });
    await session.start('webgpu');
    store.getState().datasetLoaded({ maxLength: store.getState().config!.train.maxLength, split: { validationFrom: 'fraction', fraction: 0.1 } } as never, []);
    await session.startRun();
    await settle();
    let s = store.getState();
    expect([s.runId, s.runStatus, s.step, s.series.steps.spf.step]).toEqual(['run-1', 'paused', 3, [1, 2, 3]]);
    void session.resume('run-1');
    await settle();
    s = store.getState();
    expect([s.runStatus, s.series.steps.spf.step, s.runRequestPending]).toEqual(['running', [1, 2], false]);
    reply({ type: 'metrics', runId: 'run-1', points: [point(3)], evals: [] });
    await settle();
    expect(store.getState().series.steps.spf.loss).toEqual([2.9, 2.8, 2.7]);
  });

  it('asks only the base model before any run, and checks refusals on the probe prompts', async () => {
    const asked: WorkerCommand[] = [];
    const { session, store } = worker((cmd, r) => {
      if (cmd.type === 'generate') {
        asked.push(cmd);
        r({ type: 'token', requestId: cmd.requestId, which: cmd.which, text: 'I cannot' });
        r({ type: 'done', requestId: cmd.requestId });
        return true;
      }
      if (cmd.type === 'refusalCheck') {
        asked.push(cmd);
        r({ type: 'refusalResult', requestId: cmd.requestId, which: cmd.which, rate: 1, total: 1, samples: [{ prompt: 'p', response: 'I cannot', refused: true }] });
        r({ type: 'done', requestId: cmd.requestId });
        return true;
      }
      return false;
    });
    await session.start('webgpu');
    await session.chat('hello', 8, 0);
    await session.refusalCheck();
    expect(asked.map((c) => c.type === 'generate' || c.type === 'refusalCheck' ? c.which : '')).toEqual(['base', 'base']);
    expect(asked[1]).toMatchObject({ prompts: [PROBE[0]!.request] });
    const s = store.getState();
    expect(s.chat.base).toEqual({ text: 'I cannot', status: 'done' });
    expect(s.refusal.base?.rate).toBe(1);
    expect(s.refusal.tuned).toBeUndefined();
  });
});
