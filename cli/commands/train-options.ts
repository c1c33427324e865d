import { SafeTuneError } from '../../engine/errors';
import { DEFAULT_LORA_CONFIG, LORA_TARGETS, type LoraConfig, type LoraTarget } from '../../engine/model/lora-config';
import type { LrSchedule, TrainOptions } from '../../engine/train/options';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../engine/run/run-config';
import type { RunConfig } from '../../engine/run/run-types';
import type { BatchShape } from '../../engine/run/size-defaults';
import { DEFAULT_SPF_OPTIONS, type SafetyPair } from '../../engine/safety/spf-options';
import { SPF_FLAGS, spfFromFlags } from './spf-flags';
import { oneOf, optionalNumber, type OptionSpec } from '../../node-host/args';

/**
 * Every `train` flag. Defaults are the engine's (engine/run/run-config.ts, engine/train/options.ts, lora-config.ts,
 * safety/spf-options.ts; batch size, accumulation and max length by model size: engine/run/size-defaults.ts).
 */
export const TRAIN_FLAGS: OptionSpec = {
  model: { type: 'string' },
  data: { type: 'string' },
  format: { type: 'string' },
  val: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  backend: { type: 'string' },
  'lora-r': { type: 'string' },
  'lora-alpha': { type: 'string' },
  'lora-dropout': { type: 'string' },
  targets: { type: 'string' },
  rslora: { type: 'boolean' },
  lr: { type: 'string' },
  schedule: { type: 'string' },
  warmup: { type: 'string' },
  'weight-decay': { type: 'string' },
  'max-grad-norm': { type: 'string' },
  epochs: { type: 'string' },
  'max-steps': { type: 'string' },
  batch: { type: 'string' },
  'grad-accum': { type: 'string' },
  'max-length': { type: 'string' },
  pack: { type: 'boolean' },
  seed: { type: 'string' },
  'eval-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'guard-drift': { type: 'string' },
  ...SPF_FLAGS,
};

type Values = Record<string, string | boolean | undefined>;

function loraFromFlags(v: Values): LoraConfig {
  const targetsText = v['targets'];
  let targets: LoraTarget[] = [...DEFAULT_LORA_CONFIG.targets];
  if (typeof targetsText === 'string') {
    const list = targetsText === 'all' ? [...LORA_TARGETS] : targetsText.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const t of list) {
      if (!(LORA_TARGETS as readonly string[]).includes(t)) {
        throw new SafeTuneError('bad-argument', `train: unknown --targets module "${t}"`, `choose from ${LORA_TARGETS.join(', ')} (or "all")`);
      }
    }
    targets = list as LoraTarget[];
  }
  return {
    r: optionalNumber('train', v, 'lora-r', true) ?? DEFAULT_LORA_CONFIG.r,
    alpha: optionalNumber('train', v, 'lora-alpha') ?? DEFAULT_LORA_CONFIG.alpha,
    dropout: optionalNumber('train', v, 'lora-dropout') ?? DEFAULT_LORA_CONFIG.dropout,
    targets,
    useRslora: v['rslora'] === true,
  };
}

/** The trainer options given on the command line (the rest: `shape` for the model's size, then the engine's). */
function trainOptionsFromFlags(v: Values, shape: BatchShape): Partial<TrainOptions> {
  const schedule = v['schedule'] === undefined ? undefined : oneOf<LrSchedule>('train', v, 'schedule', ['cosine', 'linear', 'constant'], 'cosine');
  if (v['epochs'] !== undefined && v['max-steps'] !== undefined) {
    throw new SafeTuneError('bad-argument', 'train: give --epochs or --max-steps, not both');
  }
  const given = {
    lr: optionalNumber('train', v, 'lr'),
    schedule,
    warmupSteps: optionalNumber('train', v, 'warmup', true),
    weightDecay: optionalNumber('train', v, 'weight-decay'),
    maxGradNorm: optionalNumber('train', v, 'max-grad-norm'),
    epochs: optionalNumber('train', v, 'epochs'),
    maxSteps: optionalNumber('train', v, 'max-steps', true),
    batchSize: optionalNumber('train', v, 'batch', true),
    gradAccum: optionalNumber('train', v, 'grad-accum', true),
    maxLength: optionalNumber('train', v, 'max-length', true),
    pack: v['pack'] === true ? true : undefined,
    seed: optionalNumber('train', v, 'seed', true),
    checkpointEvery: optionalNumber('train', v, 'checkpoint-every', true),
  };
  return {
    ...Object.fromEntries(Object.entries(given).filter(([, x]) => x !== undefined)),
    batchSize: given.batchSize ?? shape.batchSize,
    gradAccum: given.gradAccum ?? shape.gradAccum,
    maxLength: given.maxLength ?? shape.maxLength,
  } as Partial<TrainOptions>;
}

/** --guard-drift X: pause when the probe's decision drift (engine/safety/drift.ts) crosses X (default: the engine's guard); "off" disables the guard. */
function guardFromFlags(v: Values): RunConfig['guard'] {
  const text = v['guard-drift'];
  if (text === undefined) return { ...DEFAULT_RUN_CONFIG.guard };
  if (text === 'off') return { ...DEFAULT_RUN_CONFIG.guard, enabled: false };
  const threshold = optionalNumber('train', v, 'guard-drift');
  if (threshold === undefined || !(threshold > 0)) throw new SafeTuneError('bad-argument', `train: --guard-drift must be a positive number or "off", got "${String(text)}"`);
  return { enabled: true, driftThreshold: threshold };
}

/**
 * SPF's k per anchor, at most the LoRA rank as the app's form allows: one anchor's safety gradient of a LoRA block has
 * rank ≤ r, so more directions per anchor do not exist (the run would say "k=4 × 4 anchor gradients" at r = 2 and hold
 * fewer). The default follows the rank down, as the app's does; a --spf-k above it is an error.
 */
function subspaceRank(v: Values, rank: number): number {
  const given = optionalNumber('train', v, 'spf-k', true);
  if (given === undefined) return Math.min(DEFAULT_SPF_OPTIONS.k, rank);
  if (given > rank) throw new SafeTuneError('bad-argument', `train: --spf-k ${given} is more than the LoRA rank ${rank}`, `one anchor's safety gradient of a LoRA block has rank at most r: use --spf-k ${rank} or less, or a larger --lora-r`);
  return given;
}

/**
 * A run's whole configuration from `train` flags, checked by the engine as the app's is. `shape`: the batch shape
 * suited to the model's size, used where --batch / --grad-accum / --max-length are not given.
 */
export function runConfigFromFlags(v: Values, shape: BatchShape, safety: { anchors: SafetyPair[] | undefined; probe: SafetyPair[] | undefined }): RunConfig {
  const lora = loraFromFlags(v);
  const spf = { ...spfFromFlags(v), k: subspaceRank(v, lora.r) };
  return resolveRunConfig({
    lora,
    train: trainOptionsFromFlags(v, shape) as TrainOptions,
    spf: { ...spf, anchors: safety.anchors ?? spf.anchors },
    probe: safety.probe ?? [],
    evalEvery: optionalNumber('train', v, 'eval-every', true) ?? DEFAULT_RUN_CONFIG.evalEvery,
    guard: guardFromFlags(v),
    compareWithPlain: false,
  });
}
