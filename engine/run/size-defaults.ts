import type { TrainOptions } from '../train/options';
import type { ModelSummary, RunConfig } from './run-types';

/**
 * Adjusts a run configuration (the engine's defaults, or the user's edits of them) to the loaded model's size. The engine's defaults suit a ~100M model
 * on a discrete GPU; activation memory grows with batch × length × layers × width, so bigger models get smaller
 * micro-batches (gradient accumulation keeps the effective batch at 4) and tiny ones get shorter sequences, which is
 * all their conversations need and keeps a software GPU responsive. Only these fields change; the user can edit all.
 */
export function configForModel(config: RunConfig, model: Pick<ModelSummary, 'parameters'>): RunConfig {
  return withBatchShape(config, batchShapeForModel(model.parameters));
}

/** The batch shape recommended for a model of this many parameters (sent to the page with modelLoaded). */
export function batchShapeForModel(parameters: number): BatchShape {
  return { ...TRAIN_BY_SIZE[sizeClass(parameters)] };
}

/** `config` with `shape` applied; SPF's subspace rank k cannot exceed the LoRA rank. */
export function withBatchShape(config: RunConfig, shape: BatchShape): RunConfig {
  return { ...config, train: { ...config.train, ...shape }, spf: { ...config.spf, k: Math.min(config.spf.k, config.lora.r) } };
}

export type BatchShape = Pick<TrainOptions, 'batchSize' | 'gradAccum' | 'maxLength'>;

export type SizeClass = 'tiny' | 'small' | 'medium' | 'large';

/** Parameter counts where the recommended batch shape changes (demo model ≈ a few M; SmolLM2-135M; Qwen2.5-0.5B; 1B+). */
export function sizeClass(parameters: number): SizeClass {
  if (parameters < 50e6) return 'tiny';
  if (parameters < 300e6) return 'small';
  if (parameters < 800e6) return 'medium';
  return 'large';
}

const TRAIN_BY_SIZE: Record<SizeClass, BatchShape> = {
  tiny: { batchSize: 4, gradAccum: 1, maxLength: 256 },
  small: { batchSize: 2, gradAccum: 2, maxLength: 512 },
  medium: { batchSize: 1, gradAccum: 4, maxLength: 512 },
  large: { batchSize: 1, gradAccum: 4, maxLength: 256 },
};
