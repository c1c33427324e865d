import { SafeTuneError } from '../errors';
import type { TokenizedExample } from '../data/types';
import type { CausalLM } from '../model/causal-lm';
import { meanLoss } from '../train/trainer';

/** One drift measurement. */
export interface DriftPoint {
  step: number;
  probeLoss: number; // mean NLL of the probe set's refusal tokens
  drift: number; // probeLoss − its value before training (> 0: the model got less likely to refuse)
}

export interface SafetyProbeOptions {
  batchSize: number; // sequences per forward pass (the run's batch size)
  maxLength: number; // tokens per sequence (the probes are tokenized to this already; a guard for longer ones)
  padId: number;
}

/**
 * The safety probe set (SPF.md, "What is measured"): held-out (harmful request, refusal) pairs, never used for
 * gradients. Its safety loss is measured once before training (`start`) and again on schedule (`measure`); drift is
 * the rise since the start. The baseline is kept (and restored on resume with `restore`) so every later point of a
 * run, resumed or not, is measured against the same untrained model.
 */
export class SafetyProbe {
  private baseline: number | undefined;

  constructor(
    private readonly examples: readonly TokenizedExample[],
    private readonly options: SafetyProbeOptions,
  ) {
    if (examples.length === 0) {
      throw new SafeTuneError('bad-argument', 'the safety probe set is empty', 'Use the bundled probe set or add {"request", "refusal"} pairs.');
    }
  }

  /** Probe loss before training (drift 0); the baseline of every later point. */
  get initialLoss(): number | undefined {
    return this.baseline;
  }

  /**
   * Mean NLL of the refusal tokens under `model` as it is now (its current adapter, no dropout). NaN or infinite when
   * the model's logits are (a diverged adapter): callers check, as they check the training loss.
   */
  loss(model: CausalLM): Promise<number> {
    const { batchSize, maxLength, padId } = this.options;
    return meanLoss(model, this.examples, batchSize, maxLength, padId);
  }

  /** Measures the untrained model: the baseline, returned as the step-0 point. */
  async start(model: CausalLM): Promise<DriftPoint> {
    const probeLoss = await this.loss(model);
    if (!Number.isFinite(probeLoss)) {
      throw new SafeTuneError(
        'gpu',
        `the safety probe loss of the untrained model is ${probeLoss}`,
        'The base model itself gives non-finite logits: check its weights, or try the cpu backend to rule out a GPU problem.',
      );
    }
    this.baseline = probeLoss;
    return { step: 0, probeLoss, drift: 0 };
  }

  /** Sets the baseline measured earlier (a resumed run). */
  restore(initialLoss: number): void {
    if (!Number.isFinite(initialLoss)) throw new SafeTuneError('bad-argument', `stored probe baseline ${initialLoss} is not a number`);
    this.baseline = initialLoss;
  }

  /** The probe loss at `step` and its drift from the baseline (non-finite when the loss is). */
  async measure(model: CausalLM, step: number): Promise<DriftPoint> {
    if (this.baseline === undefined) throw new SafeTuneError('bad-argument', 'SafetyProbe.measure before start: the baseline is unknown');
    const probeLoss = await this.loss(model);
    return { step, probeLoss, drift: probeLoss - this.baseline };
  }
}

/** Whether `step` is an evaluation point: every `evalEvery` steps and at the last step (evalEvery 0: only the last). */
export function isEvalStep(step: number, evalEvery: number, totalSteps: number): boolean {
  return step === totalSteps || (evalEvery > 0 && step % evalEvery === 0);
}
