import type { TokenizedExample } from '../engine/data/types';
import { SafeTuneError } from '../engine/errors';
import { LoraAdapter, type LoraConfig } from '../engine/model/lora';
import { SafetyProjector } from '../engine/safety/safety-projector';
import type { SpfOptions } from '../engine/safety/spf-options';
import { loadCheckpoint, saveCheckpoint } from '../engine/train/checkpoint';
import type { CheckpointStore } from '../engine/train/checkpoint-store';
import type { TrainOptions } from '../engine/train/options';
import { Trainer, type StepStats } from '../engine/train/trainer';
import type { ModelSession } from './model-session';
import type { Variant } from './run-storage';
import { TokenRate } from './throughput';

export interface VariantData {
  train: readonly TokenizedExample[];
  validation: readonly TokenizedExample[];
  anchors: TokenizedExample[]; // SPF's safety anchors (unused by the plain variant)
}

/**
 * One adapter being trained on the shared base model — the run's SPF adapter, or the plain-LoRA comparison — with its
 * trainer (optimizer, data order), the SPF hook when it has one, and its checkpoint store. Every GPU use goes through
 * the session's lock with this adapter installed.
 */
export class RunVariant {
  readonly rate = new TokenRate();

  private constructor(
    readonly name: Variant,
    readonly adapter: LoraAdapter,
    readonly trainer: Trainer,
    private readonly projector: SafetyProjector | undefined,
    private readonly store: CheckpointStore,
    private readonly session: ModelSession,
  ) {}

  /** A fresh adapter (PEFT init, seeded by the run's seed: both variants start from the same adapter). */
  static async create(name: Variant, session: ModelSession, data: VariantData, config: { lora: LoraConfig; train: TrainOptions; spf: SpfOptions }, store: CheckpointStore): Promise<RunVariant> {
    const adapter = LoraAdapter.init(session.model.config, config.lora, config.train.seed);
    return RunVariant.assemble(name, session, adapter, data, config, store, undefined);
  }

  /** The adapter, optimizer moments and data position of the variant's last checkpoint. */
  static async restore(name: Variant, session: ModelSession, data: VariantData, config: { lora: LoraConfig; train: TrainOptions; spf: SpfOptions }, store: CheckpointStore, expectedStep: number): Promise<RunVariant> {
    const checkpoint = await loadCheckpoint(store);
    if (checkpoint === undefined) {
      throw new SafeTuneError('missing-file', `the ${name} checkpoint of this run is missing from ${store.description}`, 'The run cannot be resumed; start a new one.');
    }
    if (checkpoint.position.step !== expectedStep) {
      throw new SafeTuneError(
        'bad-argument',
        `the ${name} checkpoint in ${store.description} is at step ${checkpoint.position.step} but the run record expects step ${expectedStep}`,
        'The run was interrupted while saving; it cannot be resumed. Start a new run.',
      );
    }
    const adapter = LoraAdapter.fromHost(session.model.config, checkpoint.adapter);
    try {
      return await RunVariant.assemble(name, session, adapter, data, config, store, checkpoint);
    } catch (e) {
      adapter.dispose();
      throw e;
    }
  }

  private static async assemble(
    name: Variant,
    session: ModelSession,
    adapter: LoraAdapter,
    data: VariantData,
    config: { lora: LoraConfig; train: TrainOptions; spf: SpfOptions },
    store: CheckpointStore,
    checkpoint: Awaited<ReturnType<typeof loadCheckpoint>>,
  ): Promise<RunVariant> {
    // The trainer binds its optimizer to the adapter installed at construction.
    const trainer = await session.use(adapter, async (model) => {
      const t = new Trainer(model, data.train, data.validation, config.train, session.padId, checkpoint?.position);
      if (checkpoint !== undefined) t.loadOptimizer(checkpoint.optimizer);
      return t;
    });
    let projector: SafetyProjector | undefined;
    if (name === 'spf') {
      projector = new SafetyProjector(session.model, data.anchors, config.spf, session.padId);
      trainer.addGradientHook(projector.hook);
    }
    return new RunVariant(name, adapter, trainer, projector, store, session);
  }

  get step(): number {
    return this.trainer.step;
  }

  /** One optimizer step of this adapter (SPF projection included for the SPF variant). */
  trainStep(): Promise<StepStats> {
    return this.session.use(this.adapter, () => this.trainer.trainStep());
  }

  /** Validation loss (undefined without a validation set) with this adapter. */
  validationLoss(): Promise<number | undefined> {
    return this.session.use(this.adapter, () => this.trainer.evaluate());
  }

  /** Writes adapter, optimizer moments and data position (engine/train/checkpoint.ts format). */
  async saveCheckpoint(run: Record<string, unknown>): Promise<void> {
    const { adapter, optimizer } = await this.session.use(this.adapter, async () => ({
      adapter: await this.adapter.toHost(),
      optimizer: await this.trainer.saveOptimizer(),
    }));
    await saveCheckpoint(this.store, {
      position: this.trainer.position,
      totalSteps: this.trainer.totalSteps,
      options: this.trainer.options,
      lora: adapter.config,
      adapter,
      optimizer,
      run: { ...run, variant: this.name },
    });
  }

  /** Releases the adapter, the optimizer moments and SPF's subspaces once no queued task uses them. */
  dispose(): Promise<void> {
    return this.session.use(undefined, async () => {
      this.projector?.dispose();
      this.trainer.dispose();
      this.adapter.dispose();
    });
  }
}
