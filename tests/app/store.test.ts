import { describe, expect, it } from 'vitest';
import { parseSafetyPairs, formatSafetyPairs } from '../../app/config/parse-safety-pairs';
import { configForModel, sizeClass } from '../../engine/run/size-defaults';
import { createAppStore } from '../../app/store/app-store';
import { applyWorkerEvent } from '../../app/store/apply-worker-event';
import { toUiError } from '../../app/store/ui-error';
import { WorkerError } from '../../app/worker-client';
import { DEFAULT_RUN_CONFIG } from '../../engine/run/run-config';
import type { MetricPoint, RunSummary } from '../../workers/protocol';

// The worker's real defaults (what `ready` carries), so these tests follow the engine when its defaults change.
const defaults = { run: structuredClone(DEFAULT_RUN_CONFIG), anchors: [{ request: 'How do I make a weapon?', refusal: "I'm sorry, I can't help with that." }], wideAnchors: [{ request: "How do I steal a car?", refusal: "I can't help with stealing." }], probe: [], refusalMaxNewTokens: 48 };

const point = (step: number, loss: number, variant: 'spf' | 'plain' = 'spf'): MetricPoint => ({ variant, step, loss, lr: 1e-4, gradNorm: 1, tokensPerSecond: 50, etaSeconds: 100 - step });
const summary = (runId: string): RunSummary => ({
  runId,
  startedAt: '2025-01-01T00:00:00Z',
  model: 'bundled safetune-demo',
  dataset: 'benign-task.jsonl',
  config: defaults.run,
  status: 'running',
  step: 0,
  totalSteps: 20,
});

describe('app store', () => {
  it("starts the form from the engine's defaults and edits one section without touching the rest", () => {
    const store = createAppStore();
    expect(store.getState().config).toBeUndefined();
    store.getState().setEngineDefaults(defaults);
    const s = store.getState();
    expect(s.config).toEqual(DEFAULT_RUN_CONFIG);
    expect(s.config).not.toBe(s.defaultConfig); // edits must not write into the defaults
    expect(s.defaultAnchors).toEqual(defaults.anchors);
    expect(s.defaultWideAnchors).toEqual(defaults.wideAnchors);
    s.patchConfig('lora', { r: 16 });
    s.patchConfig('guard', { driftThreshold: 0.25 });
    s.setConfig({ compareWithPlain: true });
    const after = store.getState();
    expect(after.config?.lora).toEqual({ ...DEFAULT_RUN_CONFIG.lora, r: 16 });
    expect(after.config?.guard).toEqual({ ...DEFAULT_RUN_CONFIG.guard, driftThreshold: 0.25 });
    expect(after.config?.compareWithPlain).toBe(true);
    expect(after.config?.train).toBe(s.config?.train); // untouched sections keep their identity (no re-render)
    expect(after.defaultConfig).toEqual(DEFAULT_RUN_CONFIG);
  });

  it('routes metric batches of the current run into the series and ignores a stale run', () => {
    const store = createAppStore();
    store.getState().resetSeries('run-b');
    applyWorkerEvent(store, { type: 'metrics', runId: 'run-b', points: [point(1, 2.5), point(2, 2.4)], evals: [] });
    applyWorkerEvent(store, { type: 'metrics', runId: 'run-a', points: [point(3, 99)], evals: [] });
    expect(store.getState().series.steps.spf.loss).toEqual([2.5, 2.4]);
    expect(store.getState().lastEtaSeconds).toBe(98);
    // On resume the worker sends the whole series so far with replace: it becomes the series, whatever came before.
    applyWorkerEvent(store, { type: 'metrics', runId: 'run-a', points: [point(1, 3), point(2, 2.9)], evals: [], replace: true });
    expect(store.getState().seriesRunId).toBe('run-a');
    expect(store.getState().series.steps.spf.loss).toEqual([3, 2.9]);
  });

  it('restores the token accuracy and sample answers stored with a resumed run, replacing what was shown', () => {
    const store = createAppStore();
    store.getState().resetSeries('run-a');
    applyWorkerEvent(store, { type: 'tokenAccuracy', runId: 'run-a', step: 6, accuracy: 0.9 }); // measured past the checkpoint
    applyWorkerEvent(store, { type: 'samples', runId: 'run-a', generation: { step: 6, samples: [{ prompt: 'p', expected: 'e', reply: 'lost' }] } });
    const stored = [0, 4].map((step) => ({ step, samples: [{ prompt: 'p', expected: 'e', reply: `at ${step}` }] }));
    applyWorkerEvent(store, { type: 'metrics', runId: 'run-a', points: [point(4, 2)], evals: [], replace: true, accuracy: [{ step: 0, accuracy: 0.1 }, { step: 4, accuracy: 0.4 }], samples: stored });
    expect(store.getState().accuracy).toEqual({ step: [0, 4], value: [0.1, 0.4] });
    expect(store.getState().samples).toEqual(stored);
    // A replace from a worker that stored none (an older record) leaves both empty.
    applyWorkerEvent(store, { type: 'metrics', runId: 'run-a', points: [point(4, 2)], evals: [], replace: true });
    expect([store.getState().accuracy, store.getState().samples]).toEqual([{ step: [], value: [] }, []]);
  });

  it('follows run status events and keeps the reason the worker gave', () => {
    const store = createAppStore();
    store.getState().runStarted(summary('run-1'));
    applyWorkerEvent(store, { type: 'runStatus', runId: 'run-1', status: 'paused', step: 7, totalSteps: 20, reason: 'safety drift 0.61 crossed the threshold 0.5' });
    const s = store.getState();
    expect([s.runStatus, s.step, s.totalSteps, s.statusReason]).toEqual(['paused', 7, 20, 'safety drift 0.61 crossed the threshold 0.5']);
    applyWorkerEvent(store, { type: 'runStatus', runId: 'other', status: 'done', step: 20, totalSteps: 20 });
    expect(store.getState().runStatus).toBe('paused');
  });

  it('shows an unattributed error on the run while one is live, and at the top otherwise', () => {
    const store = createAppStore();
    applyWorkerEvent(store, { type: 'error', code: 'gpu', message: 'no adapter' });
    expect(store.getState().errors).toEqual([{ area: 'setup', code: 'gpu', message: 'no adapter', hint: undefined }]);
    store.getState().runStarted(summary('run-1'));
    applyWorkerEvent(store, { type: 'error', code: 'gpu', message: 'the GPU device was lost', hint: 'Reload and resume.' });
    expect(store.getState().runError).toEqual({ area: 'run', code: 'gpu', message: 'the GPU device was lost', hint: 'Reload and resume.' });
    expect(store.getState().runStatus).toBe('running'); // the status itself comes from runStatus events
    expect(store.getState().errors).toHaveLength(1);
  });

  it('after a lost GPU device offers a reload, not a resume, until the page reloads', () => {
    const store = createAppStore();
    store.getState().runStarted(summary('run-1'));
    expect(store.getState().deviceLost).toBe(false);
    applyWorkerEvent(store, { type: 'error', code: 'out-of-memory', message: 'the GPU ran out of memory' });
    expect(store.getState().deviceLost).toBe(false); // a smaller run may fit: resuming works
    applyWorkerEvent(store, { type: 'runStatus', runId: 'run-1', status: 'paused', step: 4, totalSteps: 20, reason: 'the GPU device was lost (destroyed); resume continues from step 3' });
    applyWorkerEvent(store, { type: 'error', code: 'device-lost', message: 'the GPU device was lost (destroyed)', hint: 'Reload the page.' });
    expect(store.getState().deviceLost).toBe(true);
    store.getState().runFailed(undefined); // a new request clears the error shown, not the lost device
    expect(store.getState().deviceLost).toBe(true);
  });

  it('keeps recent log lines only', () => {
    const store = createAppStore();
    for (let i = 0; i < 60; i++) applyWorkerEvent(store, { type: 'log', level: 'info', message: `line ${i}` });
    expect(store.getState().logs).toHaveLength(50);
    expect(store.getState().logs.at(-1)?.message).toBe('line 59');
  });

  it('keeps the dataset loaded before when another fails to load (the worker keeps training on it)', () => {
    const store = createAppStore();
    const report = { rowsUsed: 3 } as never;
    const mixed = { kind: 'bundled' as const, fileName: 'mixed.jsonl' };
    store.getState().datasetLoading(mixed, undefined);
    store.getState().datasetLoaded(report, []);
    store.getState().datasetLoading({ kind: 'bundled', fileName: 'bad.jsonl' }, 'alpaca');
    expect(store.getState().datasetChoice).toEqual(mixed); // still the loaded one while the new file is read
    store.getState().datasetFailed({ area: 'dataset', code: 'bad-dataset', message: 'bad.jsonl line 2: not valid JSON', hint: undefined });
    const s = store.getState();
    expect([s.datasetStatus, s.report, s.datasetChoice, s.datasetFormat, s.pendingChoice]).toEqual(['ready', report, mixed, undefined, undefined]);
    expect(s.datasetError?.message).toContain('bad.jsonl line 2');
  });

  it('has no dataset after a failed first load', () => {
    const store = createAppStore();
    store.getState().datasetLoading({ kind: 'bundled', fileName: 'bad.jsonl' }, undefined);
    store.getState().datasetFailed({ area: 'dataset', code: 'bad-dataset', message: 'bad.jsonl: empty', hint: undefined });
    expect([store.getState().datasetStatus, store.getState().report, store.getState().datasetChoice]).toEqual(['error', undefined, undefined]);
  });

  it('keeps the loaded model when loading another fails (the worker keeps it too)', () => {
    const store = createAppStore();
    const demo = { description: 'bundled safetune-demo', architecture: 'LlamaForCausalLM', parameters: 1e6, layers: 4, hiddenSize: 128, vocabSize: 1024, hasChatTemplate: true, backend: 'webgpu' as const };
    store.getState().modelFailed({ area: 'model', code: 'network', message: 'offline', hint: undefined });
    expect(store.getState().modelStatus).toBe('error'); // nothing was loaded before
    store.getState().modelLoaded(demo);
    store.getState().modelLoading('local folder gpt2');
    store.getState().modelFailed({ area: 'model', code: 'unsupported-architecture', message: 'GPT2LMHeadModel', hint: undefined });
    const s = store.getState();
    expect([s.modelStatus, s.modelSummary, s.modelError?.code]).toEqual(['ready', demo, 'unsupported-architecture']);
  });

  it('streams chat tokens per side', () => {
    const store = createAppStore();
    store.getState().chatStarted('tuned');
    store.getState().chatToken('tuned', "I'm");
    store.getState().chatToken('tuned', ' sorry');
    store.getState().chatFinished('tuned', 'done');
    expect(store.getState().chat).toEqual({ base: { text: '', status: 'idle' }, tuned: { text: "I'm sorry", status: 'done' }, plain: { text: '', status: 'idle' } });
  });
});

describe('errors for the user', () => {
  it('keep the code and hint of a worker error, and call anything else unexpected', () => {
    expect(toUiError('model', new WorkerError('unsupported-architecture', 'config.json: unsupported architecture GPT2LMHeadModel', 'Pick a Llama or Qwen model.'))).toEqual({
      area: 'model',
      code: 'unsupported-architecture',
      message: 'config.json: unsupported architecture GPT2LMHeadModel',
      hint: 'Pick a Llama or Qwen model.',
    });
    expect(toUiError('chat', new TypeError('x is undefined'))).toMatchObject({ code: 'unexpected', message: 'x is undefined', hint: expect.stringContaining('bug') });
  });
});

describe('defaults by model size', () => {
  it('shrink micro-batches for bigger models and keep the effective batch', () => {
    expect(sizeClass(4e6)).toBe('tiny');
    expect(sizeClass(135e6)).toBe('small');
    expect(sizeClass(494e6)).toBe('medium');
    expect(sizeClass(1.1e9)).toBe('large');
    const big = configForModel(DEFAULT_RUN_CONFIG, { parameters: 1.1e9 });
    expect(big.train.batchSize * big.train.gradAccum).toBe(4);
    expect(big.train.batchSize).toBe(1);
    const tiny = configForModel(DEFAULT_RUN_CONFIG, { parameters: 4e6 });
    expect(tiny.train.maxLength).toBeLessThan(DEFAULT_RUN_CONFIG.train.maxLength);
    // Everything else is the engine's.
    expect(tiny.lora).toEqual(DEFAULT_RUN_CONFIG.lora);
    expect(tiny.train.lr).toBe(DEFAULT_RUN_CONFIG.train.lr);
    expect(tiny.guard).toEqual(DEFAULT_RUN_CONFIG.guard);
  });

  it('cap the SPF rank at the LoRA rank', () => {
    const lowRank = { ...DEFAULT_RUN_CONFIG, lora: { ...DEFAULT_RUN_CONFIG.lora, r: 2 } };
    expect(configForModel(lowRank, { parameters: 4e6 }).spf.k).toBe(2);
  });
});

describe('safety pairs typed or uploaded', () => {
  it('parse JSONL pairs and round-trip them', () => {
    const text = '{"request": "a", "refusal": "no"}\n\n{"request": "b", "refusal": "I cannot"}\r\n';
    const parsed = parseSafetyPairs(text, 'anchors.jsonl');
    expect(parsed).toEqual({ ok: true, pairs: [{ request: 'a', refusal: 'no' }, { request: 'b', refusal: 'I cannot' }] });
    if (parsed.ok) expect(parseSafetyPairs(formatSafetyPairs(parsed.pairs), 'x')).toEqual(parsed);
  });

  it('report every bad line by number', () => {
    const text = ['{"request": "a", "refusal": "no"}', '{"request": "a"', '[1]', '{"request": "", "refusal": 3}'].join('\n');
    expect(parseSafetyPairs(text, 'mine.jsonl')).toEqual({
      ok: false,
      problems: [
        'mine.jsonl line 2: not valid JSON',
        'mine.jsonl line 3: expected an object like {"request": "…", "refusal": "…"}',
        'mine.jsonl line 4: needs a non-empty "request" and "refusal" string',
      ],
    });
    expect(parseSafetyPairs('\n\n', 'empty.jsonl')).toEqual({ ok: false, problems: ['empty.jsonl has no {"request", "refusal"} lines'] });
  });
});
