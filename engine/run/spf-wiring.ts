import type { TokenizedExample } from '../data/types';
import type { CausalLM } from '../model/causal-lm';
import { SafetyProjector } from '../safety/safety-projector';
import type { SpfOptions } from '../safety/spf-options';
import type { Trainer } from '../train/trainer';
import type { TrainOptions } from '../train/options';

/**
 * Puts SPF on a trainer: the safety projector built on the run's anchors, hooked into every optimizer step. The one
 * place a run wires SPF (worker, CLI and experiment alike); returns the projector so the run can release it. A batched
 * anchor pass holds at most the training batch's tokens (`train`), so a pass of its own never raises a step's
 * activation peak, and anchors folded into the step's first micro-batch (on WebGPU) at most double it.
 */
export function attachSpf(trainer: Trainer, model: CausalLM, anchors: TokenizedExample[], spf: SpfOptions, padId: number, train: Pick<TrainOptions, 'batchSize' | 'maxLength'>): SafetyProjector {
  const projector = new SafetyProjector(model, anchors, spf, padId, train.batchSize * train.maxLength);
  trainer.addGradientHook(projector.hook);
  return projector;
}
