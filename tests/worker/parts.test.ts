import { describe, expect, test } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { AsyncLock } from '../../workers/async-lock';
import { downloadProgressReporter } from '../../workers/download-progress';
import { MetricsBatcher, type Timers } from '../../engine/run/metrics-batcher';
import type { MetricPoint, RunConfig, WorkerEvent } from '../../workers/protocol';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../engine/run/run-config';
import { decodeRunRecord, encodeRunRecord, isResumable, seriesUpTo, summarizeRun, type RunRecord } from '../../engine/run/run-record';
import { newRunId } from '../../engine/run/run-setup';
import { EtaClock, TokenRate } from '../../engine/run/throughput';
import { errorEvent, gpuFailure, WorkerError } from '../../workers/worker-errors';
import { clearGpuFault } from '../../engine/device/gpu-faults';

/** A clock the test moves by hand, and timers that fire when it passes them. */
class ManualTimers implements Timers {
  t = 0;
  private pending: { at: number; fn: () => void; id: number }[] = [];
  private next = 0;
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.next++;
    this.pending.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.pending = this.pending.filter((p) => p.id !== id);
  };
  advance(ms: number): void {
    this.t += ms;
    const due = this.pending.filter((p) => p.at <= this.t);
    this.pending = this.pending.filter((p) => p.at > this.t);
    for (const p of due) p.fn();
  }
}

const point = (step: number): MetricPoint => ({ variant: 'spf', step, loss: 1, lr: 1e-4, gradNorm: 1, tokensPerSecond: 10, etaSeconds: 5 });

describe('MetricsBatcher', () => {
  test('at most one metrics event per 250 ms; the tail goes out by timer; flush sends at once', () => {
    const timers = new ManualTimers();
    const posted: WorkerEvent[] = [];
    const b = new MetricsBatcher('run-1', (e) => posted.push(e), timers);
    b.addPoint(point(1)); // the first point goes at once
    expect(posted).toHaveLength(1);
    for (let s = 2; s <= 5; s++) {
      timers.advance(50);
      b.addPoint(point(s));
    }
    expect(posted).toHaveLength(1); // 200 ms later: still batching
    timers.advance(50); // the timer fires at 250 ms
    expect(posted).toHaveLength(2);
    expect(posted[1]).toEqual({ type: 'metrics', runId: 'run-1', points: [2, 3, 4, 5].map(point), evals: [] });
    b.addEval({ variant: 'spf', step: 5, probeLoss: 2, drift: 0.1 });
    b.flush();
    expect(posted).toHaveLength(3);
    expect(posted[2]).toMatchObject({ points: [], evals: [{ step: 5 }] });
    b.flush(); // nothing waiting: nothing sent
    timers.advance(1000);
    expect(posted).toHaveLength(3);
  });
});

describe('download progress', () => {
  test('thinned to one event per 100 ms per file; the completing one always goes out; unknown size is 0', () => {
    const timers = new ManualTimers();
    const posted: WorkerEvent[] = [];
    const report = downloadProgressReporter('m1', (e) => posted.push(e), timers);
    report('a.safetensors', 10, 100);
    timers.advance(10);
    report('a.safetensors', 20, 100); // too soon
    report('b.json', 5, undefined); // another file has its own clock
    timers.advance(10);
    report('a.safetensors', 100, 100); // complete
    expect(posted).toEqual([
      { type: 'downloadProgress', requestId: 'm1', file: 'a.safetensors', loadedBytes: 10, totalBytes: 100 },
      { type: 'downloadProgress', requestId: 'm1', file: 'b.json', loadedBytes: 5, totalBytes: 0 },
      { type: 'downloadProgress', requestId: 'm1', file: 'a.safetensors', loadedBytes: 100, totalBytes: 100 },
    ]);
  });
});

describe('AsyncLock', () => {
  test('tasks run one at a time in arrival order; a failing task does not block the next', async () => {
    const lock = new AsyncLock();
    const log: string[] = [];
    const task = (name: string, fail = false) => async (): Promise<string> => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`${name}-`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run(task('a')), lock.run(task('b', true)), lock.run(task('c'))]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});

describe('throughput and ETA', () => {
  test('tokens per second from the step time; ETA from the average iteration', () => {
    const rate = new TokenRate();
    expect(rate.observe(500, 250)).toBe(2000);
    expect(rate.observe(500, 500)).toBeCloseTo(2000 + 0.3 * (1000 - 2000), 10);
    const eta = new EtaClock();
    expect(eta.eta(10, 0.5)).toBe(5); // nothing timed yet: the step in flight stands in
    eta.observeIteration(2);
    expect(eta.eta(10, 0.5)).toBe(20);
    expect(eta.eta(-1, 0.5)).toBe(0);
  });
});

describe('run configuration', () => {
  const base = (): RunConfig => structuredClone(DEFAULT_RUN_CONFIG) as RunConfig;

  test('the defaults resolve to themselves; a plain comparison needs SPF on', () => {
    expect(resolveRunConfig(base())).toEqual(DEFAULT_RUN_CONFIG);
    const spfOff = resolveRunConfig({ ...base(), compareWithPlain: true, spf: { ...base().spf, enabled: false } });
    expect(spfOff.compareWithPlain).toBe(false);
    expect(resolveRunConfig({ ...base(), compareWithPlain: true }).compareWithPlain).toBe(true);
  });

  test('bad fields are errors naming the field', () => {
    expect(() => resolveRunConfig({ ...base(), evalEvery: -1 })).toThrow(/evalEvery must be a whole number ≥ 0, got -1/);
    expect(() => resolveRunConfig({ ...base(), guard: { enabled: true, driftThreshold: 0 } })).toThrow(/drift threshold must be a positive number/);
    expect(() => resolveRunConfig({ ...base(), train: { ...base().train, batchSize: 0 } })).toThrow(/batchSize must be a positive integer/);
    expect(() => resolveRunConfig({ ...base(), lora: { ...base().lora, r: 0 } })).toThrow(/LoRA rank r/);
    expect(() => resolveRunConfig({ ...base(), spf: { ...base().spf, k: 0 } })).toThrow(/SPF k/);
    expect(() => resolveRunConfig({ ...base(), probe: [{ request: 'x', refusal: '' }] })).toThrow(/safety probe pair 1 needs a non-empty/);
  });
});

describe('run records', () => {
  const record = (over: Partial<RunRecord>): RunRecord =>
    ({
      format: 'safetune-run-1',
      runId: 'run-1',
      status: 'paused',
      step: 5,
      totalSteps: 10,
      checkpointStep: 4,
      series: {
        metrics: [point(3), point(4), point(5)],
        evals: [{ variant: 'spf', step: 4, probeLoss: 1, drift: 0 }, { variant: 'spf', step: 5, probeLoss: 1, drift: 0 }],
        accuracy: [{ step: 4, accuracy: 0.25 }, { step: 5, accuracy: 0.5 }],
        samples: [{ step: 4, samples: [{ prompt: 'p', expected: 'e', reply: 'r4' }] }, { step: 5, samples: [{ prompt: 'p', expected: 'e', reply: 'r5' }] }],
      },
      refusalChecks: [],
      ...over,
    }) as RunRecord;

  test('resumable: paused or interrupted, with a checkpoint short of the end', () => {
    expect(isResumable(record({}))).toBe(true);
    expect(isResumable(record({ status: 'running' }))).toBe(true);
    for (const status of ['done', 'stopped', 'error', 'idle'] as const) expect(isResumable(record({ status }))).toBe(false);
    expect(isResumable(record({ checkpointStep: undefined }))).toBe(false);
    expect(isResumable(record({ checkpointStep: 10 }))).toBe(false);
  });

  test('a resume drops the points past the checkpoint; records round-trip; damage is named', () => {
    const trimmed = seriesUpTo(record({}).series, 4);
    expect(trimmed.metrics.map((p) => p.step)).toEqual([3, 4]);
    expect(trimmed.evals.map((p) => p.step)).toEqual([4]);
    expect(trimmed.accuracy).toEqual([{ step: 4, accuracy: 0.25 }]);
    expect(trimmed.samples.map((g) => g.samples[0]!.reply)).toEqual(['r4']);
    expect(decodeRunRecord(encodeRunRecord(record({})), 'x')).toEqual(record({}));
    // A record stored before accuracy and samples were kept reads with both empty.
    const { accuracy: _a, samples: _s, ...older } = record({}).series;
    expect(decodeRunRecord(encodeRunRecord(record({ series: older as RunRecord['series'] })), 'x').series).toEqual({ ...older, accuracy: [], samples: [] });
    expect(() => decodeRunRecord(new TextEncoder().encode('{"format": "other"}'), 'run.json in test')).toThrow(/run\.json in test is not a SafeTune run record/);
    expect(() => decodeRunRecord(new TextEncoder().encode('{'), 'run.json in test')).toThrow(/is not valid JSON/);
  });

  test('the run list shows a long dataset file name cut, keeping its end; the record keeps it whole (it was sent uncut)', () => {
    const fileName = `${'n'.repeat(5000)}-final.jsonl`;
    const stored = record({ model: { source: { kind: 'bundled', name: 'demo' }, summary: { description: 'bundled demo' } }, dataset: { fileName } } as Partial<RunRecord>);
    const shown = summarizeRun(stored, 'spf').dataset;
    expect(shown).toBe(`${'n'.repeat(51)}… [4,937 characters cut] ${'n'.repeat(12)}-final.jsonl`);
    expect(shown).toHaveLength(100);
    expect(stored.dataset.fileName).toBe(fileName);
    expect(summarizeRun(record({ model: stored.model, dataset: { fileName: 'train.jsonl' } } as Partial<RunRecord>), 'spf').dataset).toBe('train.jsonl');
  });

  test('run ids sort by start time', () => {
    const id = newRunId(new Date('2025-03-04T05:06:07.890Z'), () => 0.5);
    expect(id).toMatch(/^run-20250304-050607-[0-9a-z]{4}$/);
    expect(newRunId(new Date('2025-03-04T05:06:08Z'), () => 0) > id).toBe(true);
  });
});

describe('errors as events', () => {
  test('engine errors keep code, message and hint; worker codes likewise; aborts and GPU failures are recognised', () => {
    expect(errorEvent(new SafeTuneError('bad-dataset', 'x.jsonl line 3: bad', 'fix it'), 'r')).toEqual({ type: 'error', requestId: 'r', code: 'bad-dataset', message: 'x.jsonl line 3: bad', hint: 'fix it' });
    expect(errorEvent(new WorkerError('busy', 'm', 'h'))).toEqual({ type: 'error', code: 'busy', message: 'm', hint: 'h' });
    expect(errorEvent(new DOMException('x', 'AbortError'), 'r')).toMatchObject({ code: 'aborted' });
    expect(errorEvent(new Error('Failed to allocate buffer of size 5000000000'), 'r')).toMatchObject({ code: 'out-of-memory', hint: expect.stringMatching(/Lower the batch size/) });
    expect(gpuFailure(new Error('GPUDevice was lost: reason unknown'))?.code).toBe('device-lost');
    expect(gpuFailure(new Error('shape mismatch'))).toBeUndefined();
    try {
      const aborted = errorEvent(new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.'), 'r');
      expect(aborted).toMatchObject({ code: 'device-lost', message: expect.stringMatching(/^WebAssembly backend aborted/), hint: expect.stringMatching(/capped at 4 GiB/) });
    } finally {
      clearGpuFault();
    }
    expect(errorEvent(new TypeError('x is undefined'))).toMatchObject({ code: 'internal', message: 'unexpected error in the training worker: TypeError: x is undefined' });
  });
});
