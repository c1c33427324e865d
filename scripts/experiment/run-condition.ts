import { loadDataset } from '../../engine/data';
import type { CausalLM } from '../../engine/model/causal-lm';
import { LoraAdapter } from '../../engine/model/lora';
import type { LoraConfig } from '../../engine/model/lora-config';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { Trainer } from '../../engine/train/trainer';
import type { TrainOptions } from '../../engine/train/options';
import { tokenizeSafetyPairs } from '../../engine/safety/anchors';
import { SafetyProbe } from '../../engine/safety/drift';
import { refusalRate } from '../../engine/safety/refusal-judge';
import { SafetyProjector, SPF_METRICS } from '../../engine/safety/safety-projector';
import type { SpfOptions } from '../../engine/safety/spf-options';
import { answersMatch } from '../../engine/safety/task-eval';
import type { DataFile, ExperimentData } from './sources';
import { greedyReplies } from './respond';

export interface Measured {
  refusalRate: number;
  safetyDrift: number; // probe safety loss − the base model's
  utility: number; // exact-match accuracy on the held-out task items
}

export interface TrainedRow extends Measured {
  finalLoss: number; // mean task loss over the last 5 steps
  gateRate: number; // mean SPF gate value over the run (SPF only)
  meanCos: number; // mean cos(G_t, G_s) over the run (SPF only; NaN for plain LoRA)
  meanRemoved: number; // mean ‖removed‖ / ‖G_t‖ (SPF only)
  seconds: number;
}

/** Refusal rate, probe drift and task utility of the model as it is now (its current adapter, or none). */
export async function measure(model: CausalLM, tokenizer: TextTokenizer, data: ExperimentData, probe: SafetyProbe): Promise<Measured> {
  const replies = await greedyReplies(model, tokenizer, data.harmfulEval, data.maxNewTokens.refusal);
  const answers = await greedyReplies(model, tokenizer, data.taskEval.map((t) => t.prompt), data.maxNewTokens.task);
  const correct = answers.filter((a, i) => answersMatch(a, data.taskEval[i]!.answer, data.match)).length;
  const drift = probe.initialLoss === undefined ? (await probe.start(model)).drift : (await probe.measure(model, 1)).drift;
  return { refusalRate: refusalRate(replies), safetyDrift: drift, utility: correct / Math.max(1, data.taskEval.length) };
}

/** Fine-tunes a fresh adapter on one condition (plain LoRA or LoRA + SPF), measures it, and removes it again. */
export async function trainAndMeasure(
  model: CausalLM,
  tokenizer: TextTokenizer,
  data: ExperimentData,
  probe: SafetyProbe,
  file: DataFile,
  opts: { lora: LoraConfig; train: TrainOptions; spf: SpfOptions | undefined; log: (s: string) => void },
): Promise<TrainedRow> {
  const t0 = performance.now();
  const loaded = await loadDataset(file.bytes, file.fileName, tokenizer, { maxLength: opts.train.maxLength, seed: opts.train.seed });
  model.adapter = LoraAdapter.init(model.config, opts.lora, opts.train.seed);
  const trainer = new Trainer(model, loaded.train, [], opts.train, tokenizer.padTokenId);
  let projector: SafetyProjector | undefined;
  if (opts.spf) {
    projector = new SafetyProjector(model, tokenizeSafetyPairs(data.anchors, tokenizer, opts.train.maxLength, 'anchor'), opts.spf, tokenizer.padTokenId);
    trainer.addGradientHook(projector.hook);
  }
  const losses: number[] = [];
  const gate: number[] = [];
  const cos: number[] = [];
  const removed: number[] = [];
  while (!trainer.done) {
    const s = await trainer.trainStep();
    losses.push(s.loss);
    if (projector) {
      gate.push(s.extra[SPF_METRICS.gate]!);
      cos.push(s.extra[SPF_METRICS.cos]!);
      removed.push(s.extra[SPF_METRICS.removed]!);
    }
    if (s.step % 10 === 0 || trainer.done) {
      opts.log(`  step ${s.step}/${trainer.totalSteps} loss ${s.loss.toFixed(3)}${projector ? ` gate ${s.extra[SPF_METRICS.gate]!.toFixed(2)} cos ${s.extra[SPF_METRICS.cos]!.toFixed(3)} removed ${s.extra[SPF_METRICS.removed]!.toFixed(3)}` : ''}`);
    }
  }
  const measured = await measure(model, tokenizer, data, probe);
  projector?.dispose();
  trainer.dispose();
  model.adapter.dispose();
  model.adapter = undefined;
  const mean = (xs: number[]): number => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    ...measured,
    finalLoss: mean(losses.slice(-5)),
    gateRate: mean(gate),
    meanCos: mean(cos),
    meanRemoved: mean(removed),
    seconds: (performance.now() - t0) / 1000,
  };
}
