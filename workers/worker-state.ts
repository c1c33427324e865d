import { AsyncLock } from './async-lock';
import { assetReader, type AssetReader } from './assets';
import type { ChosenDataset } from './chosen-dataset';
import { SYSTEM_TIMERS, type Timers } from '../engine/run/metrics-batcher';
import type { LoadedModel } from './loaded-model';
import type { BackendChoice, WorkerEvent } from './protocol';
import { RunStorage } from './run-storage';
import { BundledSafetySets } from './safety-sets';
import type { TrainingRun } from '../engine/run/training-run';
import type { WorkerEnv } from './worker-env';
import { WorkerError } from './worker-errors';

/**
 * Everything the worker holds between messages — backend, model, dataset, the current run — and the checks commands
 * make before touching them. One instance per worker (per handler in tests).
 */
export class WorkerState {
  readonly storage: RunStorage;
  readonly timers: Timers;
  /** init / loadModel / loadDataset / run setup one at a time: none sees another half done. */
  readonly setupLock = new AsyncLock();
  backend: BackendChoice | undefined;
  assetBase: string;
  assets: AssetReader;
  safety: BundledSafetySets;
  model: LoadedModel | undefined;
  dataset: ChosenDataset | undefined;
  run: TrainingRun | undefined;
  /** A GPU failure reported by the device: lost (every later GPU command fails with it) or out of memory (pauses the run). */
  failure: WorkerError | undefined;

  constructor(readonly env: WorkerEnv) {
    this.storage = new RunStorage(env.openStore);
    this.timers = env.timers ?? SYSTEM_TIMERS;
    this.assetBase = env.defaultAssetBase;
    this.assets = assetReader(env.defaultAssetBase);
    this.safety = new BundledSafetySets(this.assets);
  }

  post(event: WorkerEvent, transfer?: Transferable[]): void {
    this.env.post(event, transfer);
  }

  setAssetBase(assetBase: string): void {
    this.assetBase = assetBase;
    this.assets = assetReader(assetBase);
    this.safety = new BundledSafetySets(this.assets);
  }

  requireBackend(): BackendChoice {
    // A lost device takes every tensor with it; an out-of-memory error only stops the run that hit it.
    if (this.failure?.code === 'device-lost') throw this.failure;
    if (this.backend === undefined) throw new WorkerError('not-ready', 'the worker is not initialised', 'Send init first (it picks WebGPU or the CPU).');
    return this.backend;
  }

  requireModel(): LoadedModel {
    this.requireBackend();
    if (this.model === undefined) throw new WorkerError('not-ready', 'no model is loaded', 'Load a model first (the bundled demo model, a hub id or a local folder).');
    return this.model;
  }

  requireDataset(): ChosenDataset {
    if (this.dataset === undefined) throw new WorkerError('not-ready', 'no dataset is loaded', 'Load a dataset first (drop a JSONL / JSON / CSV / Parquet file or pick a bundled one).');
    return this.dataset;
  }

  /** A new run starts without the out-of-memory report that paused the last one (a smaller config may fit). */
  clearOutOfMemory(): void {
    if (this.failure?.code === 'out-of-memory') this.failure = undefined;
  }

  /** Commands that change what a run trains on wait until no run is training. */
  requireNoActiveRun(what: string): void {
    if (this.run?.isActive) {
      throw new WorkerError('busy', `cannot ${what} while run ${this.run.runId} is training`, 'Pause or stop the run first.');
    }
  }

  /** Releases the current run's adapters (a new run, a new model or a new backend replaces it). */
  async disposeRun(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    await run?.dispose();
  }

  /** Releases the run and the model. */
  async disposeModel(): Promise<void> {
    await this.disposeRun();
    const session = this.model;
    this.model = undefined;
    await session?.dispose();
  }
}
