import { SafeTuneError } from '../../engine/errors';
import { DEFAULT_LORA_CONFIG, LORA_TARGETS, type LoraConfig, type LoraTarget } from '../../engine/model/lora-config';
import { resolveTrainOptions, type LrSchedule, type TrainOptions } from '../../engine/train/options';
import { DEFAULT_SPF_OPTIONS, resolveSpfOptions, SPF_GATES, type SpfGate, type SpfOptions } from '../../engine/safety/spf-options';
import { oneOf, optionalNumber, type OptionSpec } from '../args';

/** Every `train` flag. Defaults are the engine's (engine/train/options.ts, lora-config.ts, safety/spf-options.ts). */
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
  spf: { type: 'boolean' },
  'spf-k': { type: 'string' },
  'spf-gate': { type: 'string' },
  'spf-iters': { type: 'string' },
  'spf-refresh': { type: 'string' },
  'spf-anchors': { type: 'string' },
  probe: { type: 'string' },
};

type Values = Record<string, string | boolean | undefined>;

export function loraFromFlags(v: Values): LoraConfig {
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

export function trainOptionsFromFlags(v: Values): TrainOptions {
  const schedule = v['schedule'] === undefined ? undefined : oneOf<LrSchedule>('train', v, 'schedule', ['cosine', 'linear', 'constant'], 'cosine');
  if (v['epochs'] !== undefined && v['max-steps'] !== undefined) {
    throw new SafeTuneError('bad-argument', 'train: give --epochs or --max-steps, not both');
  }
  return resolveTrainOptions({
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
    evalEvery: optionalNumber('train', v, 'eval-every', true),
    checkpointEvery: optionalNumber('train', v, 'checkpoint-every', true),
  } as Partial<TrainOptions>);
}

/** --spf-iters W or W,C (warm, cold power-iteration steps). */
export function spfFromFlags(v: Values): SpfOptions {
  const itersText = v['spf-iters'];
  let iters = { ...DEFAULT_SPF_OPTIONS.iters };
  if (typeof itersText === 'string') {
    const parts = itersText.split(',').map((s) => Number(s.trim()));
    if (parts.length > 2 || parts.some((n) => !Number.isInteger(n))) {
      throw new SafeTuneError('bad-argument', `train: --spf-iters must be W or W,C (warm, cold iterations), got "${itersText}"`);
    }
    iters = { warm: parts[0]!, cold: parts[1] ?? Math.max(parts[0]!, DEFAULT_SPF_OPTIONS.iters.cold) };
  }
  return resolveSpfOptions({
    enabled: v['spf'] === true,
    k: optionalNumber('train', v, 'spf-k', true) ?? DEFAULT_SPF_OPTIONS.k,
    gate: v['spf-gate'] === undefined ? DEFAULT_SPF_OPTIONS.gate : oneOf<SpfGate>('train', v, 'spf-gate', SPF_GATES, 'global'),
    iters,
    refreshEvery: optionalNumber('train', v, 'spf-refresh', true) ?? DEFAULT_SPF_OPTIONS.refreshEvery,
  });
}
