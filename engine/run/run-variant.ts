import type { TokenizedExample } from '../data/types';
import { SafeTuneError } from '../errors';
import { LoraAdapter, type LoraConfig } from '../model/lora';
import type { SafetyProjector } from '../safety/safety-projector';
import type { SpfOptions } from '../safety/spf-options';
import type { FolderStore } from '../train/folder-store';
import type { TrainOptions } from '../train/options';
import { loadTrainState, saveTrainState, type TrainState } from '../train/train-state';
import { Trainer, type StepStats } from '../train/trainer';
import { checkLoraFits } from './lora-fit';
import type { ModelAccess } from './model-access';
import type { Variant } from './run-types';
import { attachSpf } from './spf-wiring';
import { TokenRate } from './throughput';

export interface VariantData {
  train: readonly TokenizedExample[];
  validation: readonly TokenizedExample[];
  anchors: TokenizedExample[]; // SPF's safety anchors (unused by the plain variant)
}

type VariantConfig = { lora: LoraConfig; train: TrainOptions; spf: SpfOptions };

/**
 * One adapter being trained on the shared base model — the run's SPF adapter, or the plain-LoRA comparison — with its
 * trainer (optimizer, data order), the SPF hook when it has one, and the folder of its training states. Every GPU use
 * goes through the model access with this adapter installed.
 */
export class RunVariant {
  readonly rate = new TokenRate();

  private constructor(
    readonly name: Variant,
    readonly adapter: LoraAdapter,
    readonly trainer: Trainer,
    private readonly projector: SafetyProjector | undefined,
    private readonly store: FolderStore,
    private readonly access: ModelAccess,
  ) {}

  /** A fresh adapter (PEFT init, seeded by the run's seed: both variants start from the same adapter). */
  static async create(name: Variant, access: ModelAccess, data: VariantData, config: VariantConfig, store: FolderStore): Promise<RunVariant> {
    checkLoraFits(access.model.config, config.lora);
    const adapter = LoraAdapter.init(access.model.config, config.lora, config.train.seed);
    // As in restore: a variant that fails to assemble (the trainer refusing an empty training set, SPF without
    // anchors) was never handed to the run, so nothing else would release its adapter (2 tensors per LoRA module).
    try {
      return await RunVariant.assemble(name, access, adapter, data, config, store, undefined);
    } catch (e) {
      adapter.dispose();
      throw e;
    }
  }

  /** The variant's newest whole training state at or before `maxStep` (see loadTrainState for the fallback). */
  static async loadState(name: Variant, store: FolderStore, maxStep: number, warn: (message: string) => void): Promise<TrainState> {
    const state = await loadTrainState(store, { maxStep, warn });
    if (state === undefined) {
      throw new SafeTuneError('missing-file', `the ${name} checkpoint of this run is missing from ${store.description}`, 'The run cannot be resumed; start a new one.');
    }
    return state;
  }

  /** The variant as of a training state (see loadState). */
  static async restore(name: Variant, access: ModelAccess, data: VariantData, config: VariantConfig, store: FolderStore, state: TrainState): Promise<RunVariant> {
    const adapter = LoraAdapter.fromHost(access.model.config, state.adapter, `the ${name} checkpoint of step ${state.position.step} in ${store.description}`);
    try {
      return await RunVariant.assemble(name, access, adapter, data, config, store, state);
    } catch (e) {
      adapter.dispose();
      throw e;
    }
  }

  private static async assemble(name: Variant, access: ModelAccess, adapter: LoraAdapter, data: VariantData, config: VariantConfig, store: FolderStore, state: TrainState | undefined): Promise<RunVariant> {
    // The trainer binds its optimizer to the adapter installed at construction.
    const trainer = await access.use(adapter, async (model) => {
      const t = new Trainer(model, data.train, data.validation, config.train, access.padId, state?.position);
      try {
        if (state !== undefined) t.loadOptimizer(state.optimizer);
        return t;
      } catch (e) {
        t.dispose(); // the optimizer's moments (one tensor per flat chunk): no variant will own them
        throw e;
      }
    });
    try {
      const projector = name === 'spf' ? attachSpf(trainer, access.model, data.anchors, config.spf, access.padId, config.train) : undefined;
      return new RunVariant(name, adapter, trainer, projector, store, access);
    } catch (e) {
      trainer.dispose(); // SPF refused (no anchors): as above; the caller disposes the adapter
      throw e;
    }
  }

  get step(): number {
    return this.trainer.step;
  }

  /** One optimizer step of this adapter (SPF projection included for the SPF variant). */
  trainStep(): Promise<StepStats> {
    return this.access.use(this.adapter, () => this.trainer.trainStep());
  }

  /** Validation loss (undefined without a validation set) with this adapter. */
  validationLoss(): Promise<number | undefined> {
    return this.access.use(this.adapter, () => this.trainer.evaluate());
  }

  /**
   * Reads adapter, optimizer moments and data position back from the device (sync points: by the time they resolve,
   * the device has reported whatever went wrong in the steps before them). Written by writeState.
   */
  async captureState(run: Record<string, unknown>): Promise<TrainState> {
    const { adapter, optimizer } = await this.access.use(this.adapter, async () => ({
      adapter: await this.adapter.toHost(),
      optimizer: await this.trainer.saveOptimizer(),
    }));
    return {
      position: this.trainer.position,
      totalSteps: this.trainer.totalSteps,
      options: this.trainer.options,
      lora: adapter.config,
      adapter,
      optimizer,
      run: { ...run, variant: this.name },
    };
  }

  /** Writes a captured state as one training-state unit (made current by one rename). */
  writeState(state: TrainState): Promise<void> {
    return saveTrainState(this.store, state);
  }

  /** Releases the adapter, the optimizer moments and SPF's subspaces once no queued task uses them. */
  dispose(): Promise<void> {
    return this.access.use(undefined, async () => {
      this.projector?.dispose();
      this.trainer.dispose();
      this.adapter.dispose();
    });
  }
}
