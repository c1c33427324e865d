import type { TokenizedExample } from '../data/types';
import type { CausalLM } from '../model/causal-lm';
import { SafetyProjector } from '../safety/safety-projector';
import type { SpfOptions } from '../safety/spf-options';
import type { Trainer } from '../train/trainer';

/**
 * Puts SPF on a trainer: the safety projector built on the run's anchors, hooked into every optimizer step. The one
 * place a run wires SPF (worker, CLI and experiment alike); returns the projector so the run can release it.
 */
export function attachSpf(trainer: Trainer, model: CausalLM, anchors: TokenizedExample[], spf: SpfOptions, padId: number): SafetyProjector {
  const projector = new SafetyProjector(model, anchors, spf, padId);
  trainer.addGradientHook(projector.hook);
  return projector;
}
