import { SafeTuneError } from '../errors';
import { DEFAULT_LORA_CONFIG, validateLoraConfig } from '../model/lora-config';
import { DEFAULT_SPF_OPTIONS, resolveSpfOptions } from '../safety/spf-options';
import { DEFAULT_TRAIN_OPTIONS, resolveTrainOptions } from '../train/options';
import type { SafetyPair } from '../safety/spf-options';
import type { RunConfig } from './run-types';

/**
 * A run's defaults, for the app, the worker and the CLI alike: the engine's LoRA / trainer / SPF defaults plus the
 * run's own — probe evaluations and the safety guard. (The batch shape by model size: size-defaults.ts.)
 */
export const DEFAULT_RUN_CONFIG: Readonly<RunConfig> = {
  lora: { ...DEFAULT_LORA_CONFIG, targets: [...DEFAULT_LORA_CONFIG.targets] },
  train: { ...DEFAULT_TRAIN_OPTIONS },
  spf: { ...DEFAULT_SPF_OPTIONS, iters: { ...DEFAULT_SPF_OPTIONS.iters }, anchors: [] },
  probe: [],
  evalEvery: 10, // probe drift (and validation loss) every 10 steps
  // Pause when the probe refusals' first token (the refuse-or-comply decision) lost 0.5 nats: e^0.5 ≈ 1.65× less likely.
  guard: { enabled: true, driftThreshold: 0.5 },
  compareWithPlain: false,
};

/** Which variant a run's main adapter is: SPF when SPF is on, plain LoRA otherwise. */
export function mainVariant(config: RunConfig): 'spf' | 'plain' {
  return config.spf.enabled ? 'spf' : 'plain';
}

/**
 * A run configuration from the page, checked field by field (errors name the field and the allowed range) and with
 * the engine's normalisation applied. A plain-LoRA comparison only makes sense beside an SPF run, so it is dropped when
 * SPF is off (the main run is then plain LoRA itself).
 */
export function resolveRunConfig(config: RunConfig): RunConfig {
  if (typeof config !== 'object' || config === null) throw new SafeTuneError('bad-argument', 'startRun needs a run configuration');
  const lora = validateLoraConfig({ ...DEFAULT_LORA_CONFIG, ...config.lora, targets: [...(config.lora?.targets ?? DEFAULT_LORA_CONFIG.targets)] });
  const train = resolveTrainOptions(config.train ?? {});
  const spf = resolveSpfOptions(config.spf ?? {});
  const evalEvery = config.evalEvery ?? DEFAULT_RUN_CONFIG.evalEvery;
  if (!Number.isInteger(evalEvery) || evalEvery < 0) {
    throw new SafeTuneError('bad-argument', `evalEvery must be a whole number ≥ 0, got ${evalEvery}`, 'Use 0 to measure drift only at the end, or e.g. 10.');
  }
  const guard = { ...DEFAULT_RUN_CONFIG.guard, ...config.guard };
  if (typeof guard.enabled !== 'boolean' || !(guard.driftThreshold > 0) || !Number.isFinite(guard.driftThreshold)) {
    throw new SafeTuneError('bad-argument', `the safety guard's drift threshold must be a positive number, got ${guard.driftThreshold}`, 'A rise of 0.5 nats in the refusal decision (its first token 1.65× less likely) is a clear loss of safety.');
  }
  const probe = checkPairs(config.probe ?? [], 'safety probe');
  return { lora, train, spf, probe, evalEvery, guard, compareWithPlain: spf.enabled && config.compareWithPlain === true };
}

function checkPairs(pairs: readonly SafetyPair[], what: string): SafetyPair[] {
  if (!Array.isArray(pairs)) throw new SafeTuneError('bad-argument', `the ${what} set must be a list of {"request", "refusal"} pairs`);
  return pairs.map((p, i) => {
    if (typeof p?.request !== 'string' || typeof p.refusal !== 'string' || p.request.trim() === '' || p.refusal.trim() === '') {
      throw new SafeTuneError('bad-argument', `${what} pair ${i + 1} needs a non-empty "request" and "refusal"`);
    }
    return { request: p.request, refusal: p.refusal };
  });
}
