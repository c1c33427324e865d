import { loadDataset } from '../../engine/data';
import type { CausalLM } from '../../engine/model/causal-lm';
import { LoraAdapter } from '../../engine/model/lora';
import type { LoraConfig } from '../../engine/model/lora-config';
import { tokenizeSafetyPairs } from '../../engine/safety/anchors';
import { SafetyProjector, SPF_METRICS } from '../../engine/safety/safety-projector';
import type { SafetyPair, SpfOptions } from '../../engine/safety/spf-options';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import type { TrainOptions } from '../../engine/train/options';
import { Trainer } from '../../engine/train/trainer';
import type { DataFile } from './sources';

/** What one fine-tune reports besides the evaluation: its losses and, with SPF, every per-step SPF metric. */
export interface TrainingTrace {
  finalLoss: number; // mean task loss over the last 5 steps
  /** Every `spf_*` scalar the trainer reported, one value per step (revision 2 adds the update's cos and removed fraction). */
  spf: Record<string, number[]>;
  seconds: number;
}

export interface FineTune {
  file: DataFile;
  lora: LoraConfig;
  train: TrainOptions; // steps, lr, batch, seed
  spf: { options: SpfOptions; anchors: SafetyPair[] } | undefined; // undefined: plain LoRA
}

/**
 * THE one place the experiment trains: a fresh adapter on `job.file`, left on the model for the caller to evaluate
 * and then `removeAdapter`. (At merge this is where engine/run's TrainingRun replaces the Trainer + SPF hook wiring.)
 */
export async function fineTune(model: CausalLM, tokenizer: TextTokenizer, job: FineTune, log: (s: string) => void): Promise<TrainingTrace> {
  const t0 = performance.now();
  const loaded = await loadDataset(job.file.bytes, job.file.fileName, tokenizer, { maxLength: job.train.maxLength, seed: job.train.seed });
  model.adapter = LoraAdapter.init(model.config, job.lora, job.train.seed);
  const trainer = new Trainer(model, loaded.train, [], job.train, tokenizer.padTokenId);
  let projector: SafetyProjector | undefined;
  if (job.spf) {
    projector = new SafetyProjector(model, tokenizeSafetyPairs(job.spf.anchors, tokenizer, job.train.maxLength, 'safety-anchor.jsonl'), job.spf.options, tokenizer.padTokenId);
    trainer.addGradientHook(projector.hook);
  }
  const losses: number[] = [];
  const spf: Record<string, number[]> = {};
  try {
    const every = Math.max(1, Math.round(trainer.totalSteps / 4));
    while (!trainer.done) {
      const s = await trainer.trainStep();
      losses.push(s.loss);
      for (const [k, v] of Object.entries(s.extra)) if (k.startsWith('spf_')) (spf[k] ??= []).push(v);
      if (s.step % every === 0 || trainer.done) {
        const g = s.extra[SPF_METRICS.gate];
        log(`    step ${s.step}/${trainer.totalSteps} loss ${s.loss.toFixed(3)}${g === undefined ? '' : ` gate ${g.toFixed(2)} cos ${s.extra[SPF_METRICS.cos]!.toFixed(3)} removed ${s.extra[SPF_METRICS.removed]!.toFixed(3)}`} (${(s.ms / 1000).toFixed(1)} s)`);
      }
    }
  } finally {
    projector?.dispose();
    trainer.dispose();
  }
  const tail = losses.slice(-5);
  return { finalLoss: tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length), spf, seconds: (performance.now() - t0) / 1000 };
}

/** Disposes the fine-tuned adapter: the model is the base model again. */
export function removeAdapter(model: CausalLM): void {
  model.adapter?.dispose();
  model.adapter = undefined;
}
