import { describe, expect, test } from 'vitest';
import { loadTrainState } from '../../engine/train/train-state';
import type { EngineDefaults, RunConfig, WorkerEvent } from '../../workers/protocol';
import { RunStorage } from '../../workers/run-storage';
import { deviceLostError } from '../../workers/worker-errors';
import { backendFailure, clearGpuFault } from '../../engine/device/gpu-faults';
import { jumpingClock, MemoryStores, WorkerHarness } from './helpers/harness';
import { zipOf } from './helpers/zip-files';
import { serveTinySite } from './helpers/tiny-site-server';
import { jsonlBytes, PROBE, TINY_MODEL } from './helpers/site';

// The run's safety nets, on the real handler (tfjs-cpu, tiny model): the drift guard, a lost GPU, a diverged run,
// the WebGPU → CPU fallback, and commands refused while a run trains.

const site = serveTinySite();

/** A fresh worker with the tiny model and `rows` loaded; returns it and the defaults it sent. */
async function loadedWorker(rows: unknown[]): Promise<{ h: WorkerHarness; defaults: EngineDefaults; stores: MemoryStores }> {
  const stores = new MemoryStores();
  const h = new WorkerHarness(site.base(), stores, jumpingClock());
  const ready = (await h.ok({ type: 'init', requestId: 'init', backend: 'cpu' })).find((e) => e.type === 'ready');
  if (ready?.type !== 'ready' || ready.defaults === undefined) throw new Error('no ready');
  await h.ok({ type: 'loadModel', requestId: 'model', source: { kind: 'bundled', name: TINY_MODEL } });
  await h.ok({ type: 'loadDataset', requestId: 'data', source: { kind: 'bytes', fileName: 'rows.jsonl', bytes: jsonlBytes(rows) }, maxLength: 64 });
  return { h, defaults: ready.defaults, stores };
}

function config(d: EngineDefaults, train: Partial<RunConfig['train']>, rest: Partial<RunConfig> = {}): RunConfig {
  return {
    ...d.run,
    lora: { ...d.run.lora, r: 4, alpha: 8 },
    train: { ...d.run.train, batchSize: 2, maxLength: 64, seed: 1, ...train },
    guard: { enabled: false, driftThreshold: 0.5 },
    ...rest,
  };
}

const runIdOf = (events: WorkerEvent[]): string => (events.find((e) => e.type === 'runStarted') as Extract<WorkerEvent, { type: 'runStarted' }>).run.runId;

/**
 * The probe's requests answered with something else entirely: training on them makes the refusals less likely, so the
 * probe's losses rise.
 */
const compliant = PROBE.map((p) => ({ messages: [{ role: 'user', content: p.request }, { role: 'assistant', content: 'zzzzzzzzzzzzzzzzzzzz' }] }));

describe('training worker: safety nets', () => {
  test("the safety guard pauses the run when the refusal decision's drift crosses the threshold, and a resumed run goes on", async () => {
    const { h, defaults } = await loadedWorker(compliant);
    const threshold = 0.3;
    const cfg = config(defaults, { maxSteps: 5, lr: 3e-2, schedule: 'constant', checkpointEvery: 0 }, { spf: { ...defaults.run.spf, enabled: false }, evalEvery: 1, guard: { enabled: true, driftThreshold: threshold } });
    const first = await h.ok({ type: 'startRun', requestId: 'r1', config: cfg });
    const runId = runIdOf(first);
    const paused = h.all('runStatus').find((s) => s.status === 'paused')!;
    expect(paused.reason).toMatch(/^safety guard: the refusal decision's drift \d\.\d+ crossed the threshold 0\.3 at step \d/);
    expect(paused.step).toBeLessThan(5);
    const evals = h.all('metrics').flatMap((m) => m.evals);
    expect(evals.every((p) => p.variant === 'plain')).toBe(true); // SPF off: the main run is plain LoRA
    const at = evals.findIndex((p) => p.step === paused.step);
    expect(evals[at]!.decisionDrift).toBeGreaterThan(threshold);
    expect(evals[at - 1]!.decisionDrift).toBeLessThanOrEqual(threshold);

    // Resumed above the threshold, the guard waits for a new crossing instead of pausing again at once.
    await h.ok({ type: 'resumeRun', requestId: 'r2', runId });
    const after = h.all('runStatus').slice(2);
    expect(after[0]).toMatchObject({ status: 'running', step: paused.step });
    expect(after[1]!.step).toBeGreaterThan(paused.step);
  });

  test('a lost GPU device pauses the run at its last checkpoint, and the run stays resumable', async () => {
    const { h, defaults, stores } = await loadedWorker(compliant);
    h.onEvent = (e) => {
      if (e.type === 'metrics' && e.points.some((p) => p.step >= 3)) h.handler.state.failure ??= deviceLostError('test: the GPU process was reset');
    };
    const error = await h.fails({ type: 'startRun', requestId: 'r1', config: config(defaults, { maxSteps: 6, checkpointEvery: 2 }, { evalEvery: 0 }) });
    expect(error.code).toBe('device-lost');
    expect(error.hint).toMatch(/Reload the page; the run resumes from its last checkpoint/);
    const runId = runIdOf(h.events);
    expect(h.all('runStatus').map((s) => [s.status, s.step])).toEqual([['running', 0], ['paused', 3]]);
    expect(h.all('runStatus')[1]!.reason).toMatch(/resume continues from step 2$/);
    const record = await new RunStorage(stores.open).folder(runId).readRecord();
    expect(record).toMatchObject({ status: 'paused', checkpointStep: 2 });
    expect((await loadTrainState(stores.open(['runs', runId, 'spf'])))?.position.step).toBe(2);
    expect((await h.ok({ type: 'listRuns', requestId: 'l' }))[0]).toMatchObject({ resumable: runId });
    // Until a reload, GPU commands fail with the same advice.
    expect((await h.fails({ type: 'generate', requestId: 'g', prompt: 'hi', which: 'base', maxNewTokens: 2, temperature: 0 })).code).toBe('device-lost');
  });

  test('a WebAssembly abort (its memory full) pauses the run at its last checkpoint, and the worker then refuses work until a reload', async () => {
    const { h, defaults, stores } = await loadedWorker(compliant);
    try {
      h.onEvent = (e) => {
        // What the first command to meet the dead module reports: the fault is recorded, and the worker hears of it.
        if (e.type === 'metrics' && e.points.some((p) => p.step >= 3)) backendFailure(new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.'));
      };
      const error = await h.fails({ type: 'startRun', requestId: 'r1', config: config(defaults, { maxSteps: 6, checkpointEvery: 2 }, { evalEvery: 0 }) });
      expect(error.code).toBe('device-lost'); // the page offers "Reload to resume", as for a lost GPU
      expect(error.message).toMatch(/^WebAssembly backend aborted: tfjs-wasm stopped \(Aborted\(\)\)/);
      expect(error.hint).toMatch(/capped at 4 GiB.*resumes from its last checkpoint/);
      const runId = runIdOf(h.events);
      expect(h.all('runStatus').map((s) => [s.status, s.step])).toEqual([['running', 0], ['paused', 3]]);
      expect(await new RunStorage(stores.open).folder(runId).readRecord()).toMatchObject({ status: 'paused', checkpointStep: 2 });
      expect((await h.fails({ type: 'generate', requestId: 'g', prompt: 'hi', which: 'base', maxNewTokens: 2, temperature: 0 })).code).toBe('device-lost');
    } finally {
      clearGpuFault(); // the fault is the process's: the next test's worker starts without one
    }
  });

  test('a diverged run ends with an error naming the step and what to change', async () => {
    const { h, defaults } = await loadedWorker(compliant);
    const error = await h.fails({ type: 'startRun', requestId: 'r1', config: config(defaults, { maxSteps: 6, lr: 1e30, schedule: 'constant', maxGradNorm: 0, checkpointEvery: 0 }, { evalEvery: 0, spf: { ...defaults.run.spf, enabled: false } }) });
    expect(error.code).toBe('diverged');
    expect(error.message).toMatch(/^training diverged at step \d of the plain adapter: loss (NaN|-?Infinity)/);
    expect(error.hint).toMatch(/Lower the learning rate \(now 1e\+30\)/);
    expect(h.all('runStatus').at(-1)).toMatchObject({ status: 'error' });
    // No non-finite number reached the page.
    for (const p of h.all('metrics').flatMap((m) => m.points)) expect(Number.isFinite(p.loss) && Number.isFinite(p.gradNorm)).toBe(true);
  });

  test('commands that would change a training run are refused while it trains; chat is served between steps', async () => {
    const { h, defaults } = await loadedWorker(compliant);
    const during: Promise<WorkerEvent[]>[] = [];
    h.onEvent = (e) => {
      if (e.type === 'runStatus' && e.status === 'running') {
        during.push(h.send({ type: 'loadDataset', requestId: 'busy-data', source: { kind: 'bundled', fileName: 'demo.jsonl' }, maxLength: 64 }));
        during.push(h.send({ type: 'startRun', requestId: 'busy-run', config: config(defaults, { maxSteps: 2 }) }));
        during.push(h.send({ type: 'generate', requestId: 'chat', prompt: 'Spell dog.', which: 'tuned', maxNewTokens: 3, temperature: 0 }));
      }
    };
    await h.ok({ type: 'startRun', requestId: 'r1', config: config(defaults, { maxSteps: 3 }, { evalEvery: 0 }) });
    const [data, run, chat] = await Promise.all(during);
    expect(data!.at(-1)).toMatchObject({ type: 'error', code: 'busy' });
    expect(run!.at(-1)).toMatchObject({ type: 'error', code: 'busy', hint: 'Pause or stop the run first.' });
    expect(chat!.at(-1)).toMatchObject({ type: 'done' });
    expect(chat!.some((e) => e.type === 'token')).toBe(true);
    h.expectOneTerminalPerRequest(['r1', 'busy-data', 'busy-run', 'chat']);
  });

  test('aborting the run request pauses the run; stop ends it for good; an aborted reply keeps what was streamed', async () => {
    const { h, defaults } = await loadedWorker(compliant);
    const cfg = config(defaults, { maxSteps: 6, checkpointEvery: 0 }, { evalEvery: 0, spf: { ...defaults.run.spf, enabled: false } });
    h.onEvent = (e) => {
      if (e.type === 'metrics' && e.points.length > 0) void h.handler.handle({ type: 'abort', requestId: 'r1' });
    };
    await h.ok({ type: 'startRun', requestId: 'r1', config: cfg }); // abort → pause → the request ends with done
    const runId = runIdOf(h.events);
    expect(h.all('runStatus').at(-1)).toMatchObject({ status: 'paused', step: 1, reason: 'the page cancelled the run request' });

    h.onEvent = (e) => {
      if (e.type === 'token') void h.handler.handle({ type: 'abort', requestId: 'g' });
    };
    const reply = await h.ok({ type: 'generate', requestId: 'g', prompt: 'Spell dog.', which: 'tuned', maxNewTokens: 50, temperature: 0 });
    expect(reply.filter((e) => e.type === 'token')).toHaveLength(1);
    h.onEvent = undefined;
    const check = h.send({ type: 'refusalCheck', requestId: 'rc', which: 'base' });
    void h.handler.handle({ type: 'abort', requestId: 'rc' });
    expect((await check).at(-1)).toMatchObject({ type: 'error', code: 'aborted' });

    h.onEvent = (e) => {
      if (e.type === 'metrics' && e.points.some((p) => p.step >= 2)) void h.handler.handle({ type: 'stop' });
    };
    await h.ok({ type: 'resumeRun', requestId: 'r2', runId });
    expect(h.all('runStatus').at(-1)).toMatchObject({ status: 'stopped', step: 2 });
    const runs = (await h.ok({ type: 'listRuns', requestId: 'l' }))[0] as Extract<WorkerEvent, { type: 'runs' }>;
    expect(runs.resumable).toBeUndefined();
    expect(runs.runs[0]).toMatchObject({ runId, status: 'stopped', checkpointStep: 2 });
    const refused = await h.fails({ type: 'resumeRun', requestId: 'r3', runId });
    expect(refused).toMatchObject({ code: 'not-ready', message: `run ${runId} cannot be resumed: it was stopped` });
    // Its adapter is still there to export, from memory or from storage.
    expect([...zipOf(await h.ok({ type: 'export', requestId: 'x', what: 'adapter', runId })).files.keys()].sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
  });

  test('init falls back to the cpu backend, with the reason, where WebGPU is unavailable', async () => {
    const h = new WorkerHarness(site.base(), new MemoryStores());
    const events = await h.ok({ type: 'init', requestId: 'i', backend: 'webgpu' });
    const ready = events.find((e) => e.type === 'ready');
    expect(ready).toMatchObject({ backend: 'cpu', adapter: 'tfjs-cpu', fallback: expect.stringMatching(/^WebGPU could not be used \(WebGPU is not available here\)/) });
    expect(h.all('log').some((l) => l.level === 'warn' && l.message.startsWith('WebGPU could not be used'))).toBe(true);
  });
});
