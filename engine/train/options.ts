import { SafeTuneError } from '../errors';

export type LrSchedule = 'cosine' | 'linear' | 'constant';

/**
 * Trainer hyper-parameters. Every trainer default lives here (the run's own, evaluation and guard, are in
 * engine/run/run-config.ts; the batch shape by model size in engine/run/size-defaults.ts), and the CLI, the UI and the
 * run record show these values.
 * Defaults follow what PEFT / TRL users expect of a LoRA run.
 */
export interface TrainOptions {
  lr: number; // 2e-4: peak learning rate (LoRA usually wants ~10x a full fine-tune's)
  schedule: LrSchedule; // 'cosine': decay to 0 after warmup ('linear' to 0, 'constant' stays)
  warmupSteps: number; // 0: linear warmup from 0 to lr over these optimizer steps
  weightDecay: number; // 0: AdamW's decoupled weight decay (PyTorch / HF default 0 for Trainer)
  beta1: number; // 0.9
  beta2: number; // 0.999
  eps: number; // 1e-8
  maxGradNorm: number; // 1.0: clip the global gradient norm (0 disables)
  batchSize: number; // 4: sequences per micro-batch
  gradAccum: number; // 1: micro-batches per optimizer step
  maxLength: number; // 512: tokens per sequence; longer rows are truncated (and counted)
  epochs: number; // 1: passes over the training set (ignored when maxSteps is set)
  maxSteps: number | undefined; // optimizer steps; overrides epochs
  seed: number; // 42: adapter init, data order, dropout
  pack: boolean; // false: concatenate examples into full maxLength rows instead of padding
  checkpointEvery: number; // 25: save a resumable checkpoint every N steps (0 = only on pause / stop / at the end)
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainOptions> = {
  lr: 2e-4,
  schedule: 'cosine',
  warmupSteps: 0,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  maxGradNorm: 1,
  batchSize: 4,
  gradAccum: 1,
  maxLength: 512,
  epochs: 1,
  maxSteps: undefined,
  seed: 42,
  pack: false,
  checkpointEvery: 25, // a killed process or a closed tab loses at most 25 steps
};

export function resolveTrainOptions(partial: Partial<TrainOptions>): TrainOptions {
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...stripUndefined(partial) };
  const positiveInt = (k: keyof TrainOptions): void => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new SafeTuneError('bad-argument', `${k} must be a positive integer, got ${String(v)}`);
  };
  const nonNegative = (k: keyof TrainOptions): void => {
    const v = o[k];
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new SafeTuneError('bad-argument', `${k} must be ≥ 0, got ${String(v)}`);
  };
  positiveInt('batchSize');
  positiveInt('gradAccum');
  positiveInt('maxLength');
  if (o.maxLength < 2) throw new SafeTuneError('bad-argument', 'maxLength must be at least 2 tokens');
  if (o.maxSteps !== undefined) positiveInt('maxSteps');
  else if (!(o.epochs > 0)) throw new SafeTuneError('bad-argument', `epochs must be > 0, got ${o.epochs}`);
  for (const k of ['lr', 'weightDecay', 'eps', 'maxGradNorm', 'warmupSteps', 'checkpointEvery', 'seed'] as const) nonNegative(k);
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1)) throw new SafeTuneError('bad-argument', 'AdamW betas must be in [0, 1)');
  if (!['cosine', 'linear', 'constant'].includes(o.schedule)) {
    throw new SafeTuneError('bad-argument', `unknown schedule "${o.schedule}"`, 'use cosine, linear or constant');
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
