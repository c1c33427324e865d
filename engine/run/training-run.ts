import { SafeTuneError } from '../errors';
import type { LoraAdapter } from '../model/lora';
import { isEvalStep, SafetyProbe } from '../safety/drift';
import type { StepStats } from '../train/trainer';
import { sha256Hex } from '../weights/hub-policy';
import { isCheckpointStep } from './checkpoint-schedule';
import { metricPoint, nonFiniteFields } from './metric-point';
import { MetricsBatcher } from './metrics-batcher';
import type { ModelAccess } from './model-access';
import { checkFingerprint, modelFingerprint } from './model-fingerprint';
import { checkStateMatchesRecord } from './resume-checks';
import { mainVariant } from './run-config';
import { RunError } from './run-errors';
import type { RunData, RunEnd, RunHost } from './run-host';
import { seriesUpTo, summarizeRun, type RunRecord } from './run-record';
import type { EvalPoint, MetricPoint, RunStatus, RunSummary, Variant } from './run-types';
import { RunVariant } from './run-variant';
import { EtaClock } from './throughput';

/**
 * A training run: the main adapter (SPF, or plain LoRA when SPF is off) and optionally a plain-LoRA comparison on a
 * second adapter of the same base, stepped alternately so both see the same data at the same pace. Between steps it
 * honours pause / stop, measures probe drift (and validation loss) every evalEvery steps, lets the safety guard pause
 * the run when the main adapter's drift crosses the threshold, stops with its last good checkpoint when a step
 * diverges, and checkpoints every min(checkpointEvery, ⌈steps ÷ 4⌉) steps, when the host asks, and on every pause /
 * stop / end — never after a step that ran on a failing GPU. Metrics go out batched; the run record (config + every
 * series) is stored with each checkpoint and status change. The worker and the CLI drive the same class.
 */
export class TrainingRun {
  private request: 'continue' | 'pause' | 'stop' = 'continue';
  private requestReason: string | undefined;
  private checkpointRequested = false;
  private active = false;
  private readonly batcher: MetricsBatcher;
  private readonly eta = new EtaClock();

  private constructor(
    private readonly host: RunHost,
    readonly record: RunRecord,
    private readonly variants: RunVariant[], // main first
    private readonly probe: SafetyProbe,
  ) {
    this.batcher = new MetricsBatcher(record.runId, host.emit, host.timers, host.metricsIntervalMs);
  }

  /** A new run: fresh adapters, its record and dataset bytes stored before the first step. */
  static async start(host: RunHost, record: RunRecord, data: RunData, datasetBytes: Uint8Array): Promise<TrainingRun> {
    const variants: RunVariant[] = [];
    try {
      for (const name of variantNames(record)) variants.push(await RunVariant.create(name, host.access, data, record.config, host.folder.trainStates(name)));
      record.totalSteps = variants[0]!.trainer.totalSteps;
      record.dataset.sha256 = await sha256Hex(datasetBytes);
      record.model.fingerprint = await host.access.use(undefined, modelFingerprint);
      await host.folder.writeDataset(datasetBytes);
      await host.folder.writeRecord(record);
    } catch (e) {
      for (const v of variants) await v.dispose();
      throw e;
    }
    return new TrainingRun(host, record, variants, probeOf(record, data, host.access));
  }

  /**
   * A stored run, continued from its last whole checkpoint (a damaged newest one falls back to the one before, with a
   * warning); points measured after that checkpoint are dropped.
   */
  static async resume(host: RunHost, record: RunRecord, data: RunData): Promise<TrainingRun> {
    const warn = (message: string): void => host.emit({ type: 'log', level: 'warn', message });
    const names = variantNames(record);
    const variants: RunVariant[] = [];
    try {
      const main = await RunVariant.loadState(names[0]!, host.folder.trainStates(names[0]!), record.checkpointStep ?? 0, warn);
      const step = main.position.step;
      for (const name of names) {
        const store = host.folder.trainStates(name);
        const state = name === names[0] ? main : await RunVariant.loadState(name, store, step, warn);
        if (state.position.step !== step) {
          throw new SafeTuneError('bad-argument', `the ${name} checkpoint in ${store.description} is at step ${state.position.step}, the ${names[0]} one at step ${step}`, 'The run was interrupted while saving and its adapters disagree; start a new run.');
        }
        const variant = await RunVariant.restore(name, host.access, data, record.config, store, state);
        variants.push(variant);
        checkStateMatchesRecord(record, state, name, variant.trainer.totalSteps, store.description);
      }
      const stored = record.model.fingerprint;
      if (stored !== undefined) checkFingerprint(stored, await host.access.use(undefined, modelFingerprint), record.runId, record.model.summary.description);
      record.checkpointStep = step;
    } catch (e) {
      for (const v of variants) await v.dispose();
      throw e;
    }
    const step = record.checkpointStep;
    record.series = seriesUpTo(record.series, step);
    record.step = step;
    const probe = probeOf(record, data, host.access);
    const { probeBaseline, decisionBaseline } = record.safety;
    // A record stored before the decision loss was measured keeps its refusal baseline; `train` measures the other.
    if (probeBaseline !== undefined && decisionBaseline !== undefined) probe.restore({ probeLoss: probeBaseline, decisionLoss: decisionBaseline });
    return new TrainingRun(host, record, variants, probe);
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

  /** The adapter of one variant this run trains (the plain-LoRA comparison beside SPF), or undefined when it has none. */
  adapterOf(variant: Variant): LoraAdapter | undefined {
    return this.variants.find((v) => v.name === variant)?.adapter;
  }

  /** Saves a checkpoint after the step in flight and trains on (the host's tab is being hidden or closed). */
  requestCheckpoint(): void {
    this.checkpointRequested = true;
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
   * checkpoint and is rethrown; a diverged step ends it with a RunError('diverged'), its last checkpoint kept.
   */
  async train(): Promise<RunEnd> {
    this.active = true;
    try {
      await this.setStatus('running');
      if (this.probe.initial === undefined) await (this.record.safety.probeBaseline === undefined ? this.measureBaseline() : this.completeBaseline(this.record.safety.probeBaseline));
      const main = this.variants[0]!;
      while (!main.trainer.done) {
        await this.yieldToHost();
        this.throwIfGpuFailed();
        if (this.request !== 'continue') {
          await this.checkpoint();
          const end = this.request === 'pause' ? 'paused' : 'stopped';
          await this.setStatus(end, this.requestReason);
          return end;
        }
        if (this.checkpointRequested) {
          this.checkpointRequested = false;
          await this.checkpoint();
        }
        await this.iteration();
      }
      await this.checkpoint();
      await this.setStatus('done');
      return 'done';
    } catch (e) {
      const gpu = this.host.asGpuFailure(e) ?? (await this.gpuFailureBehind(e));
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
    const t0 = this.host.timers.now();
    const stats: StepStats[] = [];
    for (const v of this.variants) stats.push(await v.trainStep());
    const step = stats[0]!.step;
    const remaining = this.record.totalSteps - step;
    const inFlight = (this.host.timers.now() - t0) / 1000;
    this.variants.forEach((v, i) => {
      const s = stats[i]!;
      const point = metricPoint(v.name, s, v.rate.observe(s.inputTokens, s.ms), this.eta.eta(remaining, inFlight));
      const bad = nonFiniteFields(point);
      if (bad.length > 0) throw this.diverged(v.name, s.step, bad.map((f) => `${f} ${valueOf(point, f)}`));
      this.addPoint(point);
    });
    this.record.step = step;
    if (isEvalStep(step, this.record.config.evalEvery, this.record.totalSteps)) await this.evaluate(step);
    if (isCheckpointStep(step, this.record.config.train.checkpointEvery, this.record.totalSteps)) await this.checkpoint();
    this.eta.observeIteration((this.host.timers.now() - t0) / 1000);
  }

  /** Probe loss before training: the drift baseline (the same for every variant: fresh adapters change nothing, B = 0). */
  private async measureBaseline(): Promise<void> {
    const main = this.variants[0]!;
    const { probeLoss, decisionLoss } = await this.host.access.use(main.adapter, (model) => this.probe.start(model));
    const validationLoss = await main.validationLoss();
    this.record.safety.probeBaseline = probeLoss;
    this.record.safety.decisionBaseline = decisionLoss;
    for (const v of this.variants) {
      this.addEval({ variant: v.name, step: 0, probeLoss, drift: 0, decisionLoss, decisionDrift: 0, ...(validationLoss === undefined ? {} : { validationLoss }) });
    }
    await this.afterEvaluation(0);
  }

  /**
   * A run stored before the decision loss was measured: its refusal baseline is kept (its drift points stay
   * comparable) and the decision baseline is measured now, on the base model without any adapter — the untrained
   * adapters' model, since a fresh LoRA adapter (B = 0) changes nothing.
   */
  private async completeBaseline(probeLoss: number): Promise<void> {
    const { decisionLoss } = await this.host.access.use(undefined, (model) => this.probe.losses(model));
    this.probe.restore({ probeLoss, decisionLoss });
    this.record.safety.decisionBaseline = decisionLoss;
  }

  private async evaluate(step: number): Promise<void> {
    for (const v of this.variants) {
      const validationLoss = await v.validationLoss();
      const { probeLoss, drift, decisionLoss, decisionDrift } = await this.host.access.use(v.adapter, (model) => this.probe.measure(model, step));
      const measured = { probeLoss, decisionLoss, validationLoss: validationLoss ?? 0 };
      const bad = Object.entries(measured).filter(([, x]) => !Number.isFinite(x));
      if (bad.length > 0) throw this.diverged(v.name, step, bad.map(([name, x]) => `${name} ${x}`));
      const previous = this.lastDecisionDrift(v.name);
      this.addEval({ variant: v.name, step, probeLoss, drift, decisionLoss, decisionDrift, ...(validationLoss === undefined ? {} : { validationLoss }) });
      const { guard } = this.record.config;
      // The guard watches the refusal decision's drift (engine/safety/drift.ts says why). It fires when the main
      // adapter's crosses the threshold, so a run resumed above it is not paused again at once; it fires again only
      // after dropping back below and crossing anew.
      if (v === this.variants[0] && guard.enabled && decisionDrift > guard.driftThreshold && previous <= guard.driftThreshold && step < this.record.totalSteps) {
        this.pause(`safety guard: the refusal decision's drift ${decisionDrift.toFixed(3)} crossed the threshold ${guard.driftThreshold} at step ${step}`);
      }
    }
    await this.afterEvaluation(step);
  }

  /**
   * What the host measures of the main adapter after an evaluation (token accuracy, answers to the sample prompts),
   * stored in the record's series beside the evals — so a resumed run and the exported record keep them — and emitted.
   */
  private async afterEvaluation(step: number): Promise<void> {
    const extras = await this.host.onEvaluated?.(step, this.mainAdapter);
    const { series } = this.record;
    if (extras?.accuracy !== undefined) {
      series.accuracy.push({ step, accuracy: extras.accuracy });
      this.host.emit({ type: 'tokenAccuracy', runId: this.runId, step, accuracy: extras.accuracy });
    }
    if (extras?.samples !== undefined && extras.samples.length > 0) {
      const generation = { step, samples: extras.samples };
      series.samples.push(generation);
      this.host.emit({ type: 'samples', runId: this.runId, generation });
    }
  }

  /** The variant's last decision drift (0 before any, or when its last point was stored before it was measured). */
  private lastDecisionDrift(variant: Variant): number {
    const evals = this.record.series.evals;
    for (let i = evals.length - 1; i >= 0; i--) if (evals[i]!.variant === variant) return evals[i]!.decisionDrift ?? 0;
    return 0;
  }

  /**
   * Saves every variant (the comparison first, the main adapter last), then the record naming the step. Not after a
   * step that ran on a failing GPU: its numbers cannot be trusted, and the last good checkpoint must stay current.
   * Every variant is read back before anything is written, and the fault is checked again after those read-backs: a
   * fault the device reports while they run (they are sync points) still stops the save before any file is written.
   */
  private async checkpoint(): Promise<void> {
    const step = this.variants[0]!.step;
    if (this.record.checkpointStep === step) return;
    this.throwIfGpuFailed();
    const run = { runId: this.record.runId, model: this.record.model.summary.description, dataset: this.record.dataset.fileName };
    const saved = [...this.variants].reverse();
    const states = [];
    for (const v of saved) states.push(await v.captureState(run));
    this.throwIfGpuFailed();
    for (const [i, v] of saved.entries()) await v.writeState(states[i]!);
    this.record.checkpointStep = step;
    this.record.updatedAt = new Date().toISOString();
    await this.host.folder.writeRecord(this.record);
  }

  private addPoint(point: MetricPoint): void {
    this.record.series.metrics.push(point);
    this.batcher.addPoint(point);
  }

  private addEval(point: EvalPoint): void {
    this.record.series.evals.push(point);
    this.batcher.addEval(point);
  }

  /** Flushes the metrics, stores the record and reports the status — in that order, so every point comes first. */
  private async setStatus(status: RunStatus, reason?: string): Promise<void> {
    this.batcher.flush();
    this.record.status = status;
    if (reason === undefined) delete this.record.reason;
    else this.record.reason = reason;
    this.record.updatedAt = new Date().toISOString();
    try {
      await this.host.folder.writeRecord(this.record);
    } catch (e) {
      this.host.emit({ type: 'log', level: 'warn', message: `could not save the run record: ${e instanceof Error ? e.message : String(e)}` });
    }
    this.host.emit({ type: 'runStatus', runId: this.runId, status, step: this.record.step, totalSteps: this.record.totalSteps, ...(reason === undefined ? {} : { reason }) });
  }

  /**
   * Lets the host's event loop run between steps: on tfjs-cpu a step never waits on anything, so without this a
   * pause message (worker) or a Ctrl-C (CLI) would only be seen once the whole run had finished.
   */
  private yieldToHost(): Promise<void> {
    return new Promise((resolve) => this.host.timers.setTimeout(resolve, 0));
  }

  /**
   * The GPU failure behind an exception the host did not recognise as one, if the device reports it shortly. A device
   * that is lost or destroyed rejects the pending read-backs first ("Buffer was unmapped before mapping was resolved",
   * an AbortError) and resolves its `lost` promise a moment later; taken as the run's own error, the run would end
   * as failed instead of paused at its checkpoint. The engine's own errors (bad input, divergence) are not waited on.
   */
  private async gpuFailureBehind(e: unknown): Promise<Error | undefined> {
    if (e instanceof SafeTuneError || e instanceof RunError) return this.host.gpuFailure();
    for (let wait = 0; wait < GPU_REPORT_WAIT_MS; wait += GPU_REPORT_POLL_MS) {
      const failure = this.host.gpuFailure();
      if (failure !== undefined) return failure;
      await new Promise<void>((resolve) => this.host.timers.setTimeout(resolve, GPU_REPORT_POLL_MS));
    }
    return this.host.gpuFailure();
  }

  private throwIfGpuFailed(): void {
    const failure = this.host.gpuFailure();
    if (failure !== undefined) throw failure;
  }

  private diverged(variant: Variant, step: number, values: string[]): RunError {
    const saved = this.record.checkpointStep;
    return new RunError(
      'diverged',
      `training diverged at step ${step} of the ${variant} adapter: ${values.join(', ')}`,
      `Lower the learning rate (now ${this.record.config.train.lr}) or the max gradient norm and start a new run.` +
        (saved === undefined ? '' : ` The checkpoint of step ${saved} (the last good one) is kept; its adapter can still be exported.`),
    );
  }

  /** Releases every adapter, optimizer and SPF state of the run. */
  async dispose(): Promise<void> {
    this.batcher.flush();
    for (const v of this.variants) await v.dispose();
  }
}

/** How long an unexpected exception waits for the device to report a failure behind it, polled this often. */
const GPU_REPORT_WAIT_MS = 1000;
const GPU_REPORT_POLL_MS = 25;

function variantNames(record: RunRecord): Variant[] {
  const main = mainVariant(record.config);
  return main === 'spf' && record.config.compareWithPlain ? ['spf', 'plain'] : [main];
}

function probeOf(record: RunRecord, data: RunData, access: ModelAccess): SafetyProbe {
  const { batchSize, maxLength } = record.config.train;
  return new SafetyProbe(data.probe, { batchSize, maxLength, padId: access.padId });
}

function valueOf(point: MetricPoint, field: string): string {
  const value = field.startsWith('spf.') ? point.spf?.[field.slice(4) as keyof NonNullable<MetricPoint['spf']>] : point[field as 'loss' | 'gradNorm'];
  return String(value);
}
