import { SafeTuneError } from '../errors';
import type { TokenizedExample } from '../data/types';
import type { CausalLM } from '../model/causal-lm';
import { meanLoss } from '../train/trainer';
import { scopeAnchor } from './anchor-scope';

/** The probe's two losses on one model. */
export interface ProbeLosses {
  probeLoss: number; // mean NLL of the probe set's refusal tokens (every token of each refusal)
  decisionLoss: number; // mean NLL of each refusal's first token: the refuse-or-comply decision
}

/** One drift measurement: the losses and their rise since the untrained model (> 0: less likely to refuse). */
export interface DriftPoint extends ProbeLosses {
  step: number;
  drift: number; // probeLoss − its baseline: the whole refusal's wording
  /**
   * decisionLoss − its baseline: how much less likely the model is to open a refusal at all. This is the drift the
   * guard and the app's chart use: across 58 measured runs it ranked refusal rates (Spearman −0.88), the whole
   * refusal's drift did not (−0.12; README "Which drift measures the loss of refusals").
   */
  decisionDrift: number;
}

export interface SafetyProbeOptions {
  batchSize: number; // sequences per forward pass (the run's batch size)
  maxLength: number; // tokens per sequence (the probes are tokenized to this already; a guard for longer ones)
  padId: number;
}

/**
 * The safety probe set (SPF.md, "What is measured"): held-out (harmful request, refusal) pairs, never used for
 * gradients. Its losses are measured once before training (`start`) and again on schedule (`measure`); drift is the
 * rise since the start. The baseline is kept (and restored on resume with `restore`) so every later point of a run,
 * resumed or not, is measured against the same untrained model.
 */
export class SafetyProbe {
  private baseline: ProbeLosses | undefined;
  private readonly decisions: readonly TokenizedExample[];

  constructor(
    private readonly examples: readonly TokenizedExample[],
    private readonly options: SafetyProbeOptions,
  ) {
    if (examples.length === 0) {
      throw new SafeTuneError('bad-argument', 'the safety probe set is empty', 'Use the bundled probe set or add {"request", "refusal"} pairs.');
    }
    // Cut after the first refusal token: the same loss as masking the rest, in a shorter pass.
    this.decisions = examples.map((e) => scopeAnchor(e, 1));
  }

  /** The losses before training (drift 0): the baseline of every later point. */
  get initial(): ProbeLosses | undefined {
    return this.baseline;
  }

  /**
   * Both losses under `model` as it is now (its current adapter, no dropout). NaN or infinite when the model's logits
   * are (a diverged adapter): callers check, as they check the training loss.
   */
  async losses(model: CausalLM): Promise<ProbeLosses> {
    const { batchSize, maxLength, padId } = this.options;
    const probeLoss = await meanLoss(model, this.examples, batchSize, maxLength, padId);
    const decisionLoss = await meanLoss(model, this.decisions, batchSize, maxLength, padId);
    return { probeLoss, decisionLoss };
  }

  /** Measures the untrained model: the baseline, returned as the step-0 point. */
  async start(model: CausalLM): Promise<DriftPoint> {
    const losses = await this.losses(model);
    for (const [name, value] of Object.entries(losses)) {
      if (!Number.isFinite(value)) {
        throw new SafeTuneError(
          'gpu',
          `the safety probe's ${name === 'probeLoss' ? 'refusal' : 'decision'} loss of the untrained model is ${value}`,
          'The base model itself gives non-finite logits: check its weights, or try the cpu backend to rule out a GPU problem.',
        );
      }
    }
    this.baseline = losses;
    return { step: 0, ...losses, drift: 0, decisionDrift: 0 };
  }

  /** Sets the baseline measured earlier (a resumed run). */
  restore(baseline: ProbeLosses): void {
    for (const value of [baseline.probeLoss, baseline.decisionLoss]) {
      if (!Number.isFinite(value)) throw new SafeTuneError('bad-argument', `stored probe baseline ${value} is not a number`);
    }
    this.baseline = { ...baseline };
  }

  /** The losses at `step` and their drift from the baseline (non-finite when a loss is). */
  async measure(model: CausalLM, step: number): Promise<DriftPoint> {
    if (this.baseline === undefined) throw new SafeTuneError('bad-argument', 'SafetyProbe.measure before start: the baseline is unknown');
    const losses = await this.losses(model);
    return { step, ...losses, drift: losses.probeLoss - this.baseline.probeLoss, decisionDrift: losses.decisionLoss - this.baseline.decisionLoss };
  }
}

/** Whether `step` is an evaluation point: every `evalEvery` steps and at the last step (evalEvery 0: only the last). */
export function isEvalStep(step: number, evalEvery: number, totalSteps: number): boolean {
  return step === totalSteps || (evalEvery > 0 && step % evalEvery === 0);
}
