import type { TokenizedExample } from '../engine/data/types';
import { isEvalStep, SafetyProbe } from '../engine/safety/drift';
import type { LoraAdapter } from '../engine/model/lora';
import type { StepStats } from '../engine/train/trainer';
import { MetricsBatcher, type Timers } from './metrics-batcher';
import { metricPoint, nonFiniteFields } from './metric-point';
import type { ModelSession } from './model-session';
import type { EvalPoint, MetricPoint, RunStatus, RunSummary, WorkerEvent } from './protocol';
import { mainVariant } from './run-config';
import { seriesUpTo, summarizeRun, type RunRecord } from './run-record';
import type { RunStorage } from './run-storage';
import { RunVariant } from './run-variant';
import { EtaClock } from './throughput';
import { gpuFailure, WorkerError } from './worker-errors';

/** What a run needs from the worker around it. */
export interface RunContext {
  session: ModelSession;
  storage: RunStorage;
  post: (event: WorkerEvent) => void;
  timers: Timers;
  /** A GPU failure the backend reported (device lost, out of memory), if any. */
  gpuFailure: () => WorkerError | undefined;
}

/** The run's examples, tokenized for the session's tokenizer. */
export interface RunData {
  train: readonly TokenizedExample[];
  validation: readonly TokenizedExample[];
  anchors: TokenizedExample[];
  probe: TokenizedExample[];
}

/** How one stretch of training ended. */
export type RunEnd = 'done' | 'paused' | 'stopped';

/**
 * A training run: the main adapter (SPF, or plain LoRA when SPF is off) and optionally a plain-LoRA comparison on a
 * second adapter of the same base, stepped alternately so both see the same data at the same pace. Between steps it
 * honours pause / stop, measures probe drift (and validation loss) every evalEvery steps, lets the safety guard pause
 * the run when the main adapter's drift crosses the threshold, and checkpoints every checkpointEvery steps and on
 * every pause / stop / end. Metrics go out batched; the run record (config + every series) is stored with each
 * checkpoint and status change.
 */
export class TrainingRun {
  private request: 'continue' | 'pause' | 'stop' = 'continue';
  private requestReason: string | undefined;
  private active = false;
  private readonly batcher: MetricsBatcher;
  private readonly eta = new EtaClock();

  private constructor(
    private readonly ctx: RunContext,
    readonly record: RunRecord,
    private readonly variants: RunVariant[], // main first
    private readonly probe: SafetyProbe,
  ) {
    this.batcher = new MetricsBatcher(record.runId, ctx.post, ctx.timers);
  }

  /** A new run: fresh adapters, its record and dataset bytes stored before the first step. */
  static async start(ctx: RunContext, record: RunRecord, data: RunData, datasetBytes: Uint8Array): Promise<TrainingRun> {
    const names = variantNames(record);
    const variants: RunVariant[] = [];
    try {
      for (const name of names) variants.push(await RunVariant.create(name, ctx.session, data, record.config, ctx.storage.checkpoints(record.runId, name)));
      record.totalSteps = variants[0]!.trainer.totalSteps;
      await ctx.storage.create(record, datasetBytes);
    } catch (e) {
      for (const v of variants) await v.dispose();
      throw e;
    }
    return new TrainingRun(ctx, record, variants, probeOf(record, data, ctx.session));
  }

  /** A stored run, continued from its last checkpoint; points measured after that checkpoint are dropped. */
  static async resume(ctx: RunContext, record: RunRecord, data: RunData): Promise<TrainingRun> {
    const step = record.checkpointStep!;
    const variants: RunVariant[] = [];
    try {
      for (const name of variantNames(record)) variants.push(await RunVariant.restore(name, ctx.session, data, record.config, ctx.storage.checkpoints(record.runId, name), step));
    } catch (e) {
      for (const v of variants) await v.dispose();
      throw e;
    }
    record.series = seriesUpTo(record.series, step);
    record.step = step;
    const probe = probeOf(record, data, ctx.session);
    if (record.safety.probeBaseline !== undefined) probe.restore(record.safety.probeBaseline);
    return new TrainingRun(ctx, record, variants, probe);
  }

  get runId(): string {
    return this.record.runId;
  }

  /** Whether the training loop is running now. */
  get isActive(): boolean {
    return this.active;
  }

  /** The adapter the run is about (SPF's, or plain LoRA's when SPF is off): the "tuned" model. */
  get mainAdapter(): LoraAdapter {
    return this.variants[0]!.adapter;
  }

  get summary(): RunSummary {
    return summarizeRun(this.record, mainVariant(this.record.config));
  }

  /** Ends the loop after the step in flight, with a checkpoint. */
  pause(reason?: string): void {
    if (this.request === 'continue') {
      this.request = 'pause';
      this.requestReason = reason;
    }
  }

  stop(): void {
    this.request = 'stop';
    this.requestReason = undefined;
  }

  /**
   * Trains until done or told to pause / stop. A GPU failure (lost device, out of memory) pauses the run at its last
   * checkpoint and a diverged step ends it with an error; both are rethrown as WorkerErrors for the page.
   */
  async train(): Promise<RunEnd> {
    this.active = true;
    try {
      await this.setStatus('running');
      if (this.probe.initialLoss === undefined) await this.measureBaseline();
      const main = this.variants[0]!;
      while (!main.trainer.done) {
        this.throwIfGpuFailed();
        if (this.request !== 'continue') {
          await this.checkpoint();
          const end = this.request === 'pause' ? 'paused' : 'stopped';
          await this.setStatus(end, this.requestReason);
          return end;
        }
        await this.iteration();
      }
      await this.checkpoint();
      await this.setStatus('done');
      return 'done';
    } catch (e) {
      const gpu = gpuFailure(e) ?? this.ctx.gpuFailure();
      if (gpu !== undefined) {
        await this.setStatus('paused', `${gpu.message}; resume continues from step ${this.record.checkpointStep ?? 0}`);
        throw gpu;
      }
      await this.setStatus('error', e instanceof Error ? e.message : String(e));
      throw e;
    } finally {
      this.active = false;
    }
  }

  /** One step of every variant, then the evaluations and the checkpoint the schedule asks for. */
  private async iteration(): Promise<void> {
    const t0 = this.ctx.timers.now();
    const stats: StepStats[] = [];
    for (const v of this.variants) stats.push(await v.trainStep());
    const step = stats[0]!.step;
    const remaining = this.record.totalSteps - step;
    const inFlight = (this.ctx.timers.now() - t0) / 1000;
    this.variants.forEach((v, i) => {
      const s = stats[i]!;
      const point = metricPoint(v.name, s, v.rate.observe(s.inputTokens, s.ms), this.eta.eta(remaining, inFlight));
      const bad = nonFiniteFields(point);
      if (bad.length > 0) throw this.diverged(v.name, s.step, bad.map((f) => `${f} ${valueOf(point, f)}`));
      this.addPoint(point);
    });
    this.record.step = step;
    const { evalEvery } = this.record.config;
    if (isEvalStep(step, evalEvery, this.record.totalSteps)) await this.evaluate(step);
    const every = this.record.config.train.checkpointEvery;
    if (every > 0 && step % every === 0) await this.checkpoint();
    this.eta.observeIteration((this.ctx.timers.now() - t0) / 1000);
  }

  /** Probe loss before training: the drift baseline (the same for every variant: fresh adapters change nothing, B = 0). */
  private async measureBaseline(): Promise<void> {
    const main = this.variants[0]!;
    const { probeLoss } = await this.ctx.session.use(main.adapter, (model) => this.probe.start(model));
    const validationLoss = await main.validationLoss();
    this.record.safety.probeBaseline = probeLoss;
    for (const v of this.variants) this.addEval({ variant: v.name, step: 0, probeLoss, drift: 0, ...(validationLoss === undefined ? {} : { validationLoss }) });
  }

  private async evaluate(step: number): Promise<void> {
    for (const v of this.variants) {
      const validationLoss = await v.validationLoss();
      const { probeLoss, drift } = await this.ctx.session.use(v.adapter, (model) => this.probe.measure(model, step));
      const bad = [['probeLoss', probeLoss], ['validationLoss', validationLoss ?? 0]].filter(([, x]) => !Number.isFinite(x)).map(([name]) => name as string);
      if (bad.length > 0) throw this.diverged(v.name, step, bad.map((name) => `${name} ${name === 'probeLoss' ? probeLoss : validationLoss}`));
      const previous = this.lastDrift(v.name);
      this.addEval({ variant: v.name, step, probeLoss, drift, ...(validationLoss === undefined ? {} : { validationLoss }) });
      const { guard } = this.record.config;
      // The guard fires when the main adapter's drift crosses the threshold, so a run resumed above it is not paused
      // again at once; it fires again only after dropping back below and crossing anew.
      if (v === this.variants[0] && guard.enabled && drift > guard.driftThreshold && previous <= guard.driftThreshold && step < this.record.totalSteps) {
        this.pause(`safety guard: probe drift ${drift.toFixed(3)} crossed the threshold ${guard.driftThreshold} at step ${step}`);
      }
    }
  }

  private lastDrift(variant: string): number {
    const evals = this.record.series.evals;
    for (let i = evals.length - 1; i >= 0; i--) if (evals[i]!.variant === variant) return evals[i]!.drift;
    return 0;
  }

  /** Saves every variant (the comparison first, the main adapter last), then the record naming the step. */
  private async checkpoint(): Promise<void> {
    const step = this.variants[0]!.step;
    if (this.record.checkpointStep === step) return;
    const run = { runId: this.record.runId, model: this.record.model.summary.description, dataset: this.record.dataset.fileName };
    for (const v of [...this.variants].reverse()) await v.saveCheckpoint(run);
    this.record.checkpointStep = step;
    this.record.updatedAt = new Date().toISOString();
    await this.ctx.storage.writeRecord(this.record);
  }

  private addPoint(point: MetricPoint): void {
    this.record.series.metrics.push(point);
    this.batcher.addPoint(point);
  }

  private addEval(point: EvalPoint): void {
    this.record.series.evals.push(point);
    this.batcher.addEval(point);
  }

  /** Flushes the metrics, stores the record and tells the page — in that order, so the page sees every point first. */
  private async setStatus(status: RunStatus, reason?: string): Promise<void> {
    this.batcher.flush();
    this.record.status = status;
    if (reason === undefined) delete this.record.reason;
    else this.record.reason = reason;
    this.record.updatedAt = new Date().toISOString();
    try {
      await this.ctx.storage.writeRecord(this.record);
    } catch (e) {
      this.ctx.post({ type: 'log', level: 'warn', message: `could not save the run record: ${e instanceof Error ? e.message : String(e)}` });
    }
    this.ctx.post({ type: 'runStatus', runId: this.runId, status, step: this.record.step, totalSteps: this.record.totalSteps, ...(reason === undefined ? {} : { reason }) });
  }

  private throwIfGpuFailed(): void {
    const failure = this.ctx.gpuFailure();
    if (failure !== undefined) throw failure;
  }

  private diverged(variant: string, step: number, values: string[]): WorkerError {
    const saved = this.record.checkpointStep;
    return new WorkerError(
      'diverged',
      `training diverged at step ${step} of the ${variant} adapter: ${values.join(', ')}`,
      `Lower the learning rate (now ${this.record.config.train.lr}) or the max gradient norm and start a new run.` +
        (saved === undefined ? '' : ` The adapter of step ${saved} (the last checkpoint) can still be exported from the run list.`),
    );
  }

  /** Releases every adapter, optimizer and SPF state of the run. */
  async dispose(): Promise<void> {
    this.batcher.flush();
    for (const v of this.variants) await v.dispose();
  }
}

function variantNames(record: RunRecord): ('spf' | 'plain')[] {
  const main = mainVariant(record.config);
  return main === 'spf' && record.config.compareWithPlain ? ['spf', 'plain'] : [main];
}

function probeOf(record: RunRecord, data: RunData, session: ModelSession): SafetyProbe {
  const { batchSize, maxLength } = record.config.train;
  return new SafetyProbe(data.probe, { batchSize, maxLength, padId: session.padId });
}

function valueOf(point: MetricPoint, field: string): string {
  const value = field.startsWith('spf.') ? point.spf?.[field.slice(4) as keyof NonNullable<MetricPoint['spf']>] : point[field as 'loss' | 'gradNorm'];
  return String(value);
}
