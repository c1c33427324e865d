import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../../engine/model/causal-lm';
import { LoraAdapter } from '../../engine/model/lora';
import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora-config';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import { resolveSpfOptions } from '../../engine/safety/spf-options';
import { SafetyProjector, type AnchorFolding } from '../../engine/safety/safety-projector';
import { meanNll } from '../../engine/model/loss';
import { toBatch } from '../../engine/train/batcher';
import type { TokenizedExample } from '../../engine/data/types';
import { mulberry32 } from '../../engine/util/random';
import type { BenchShape } from './bench-model';
import { median, quantile } from './timing';
import { profileStep, type StepProfile } from './step-profile';

/** How many anchors the demo build bundles (public/datasets/safety-anchor.jsonl), the app's and the CLI's SPF default. */
export const BUNDLED_ANCHORS = 4;

export interface StepTiming {
  plainMs: number;
  spfMs: number;
  ratio: number;
  /**
   * The quartiles of the measured steps' own ratios (each SPF step over the plain step run beside it): how far the ratio
   * moves from pair to pair. On a software adapter a step's time drifts by ±15 % within a run, as much as the target's
   * margin, so the ratio of medians alone cannot say whether a target is met or missed by noise.
   */
  pairRatioQuartiles: [number, number];
  /** Whether the SPF steps carried the anchors in their first micro-batch (SafetyProjector's folding). */
  folded: boolean;
  labelledRowsPerStep: number;
  safetyBlocks: tf.Tensor2D[]; // the anchor's safety gradient per LoRA matrix after training (for the overlap bench)
}

export function randomRows(n: number, len: number, vocab: number, seed: number, promptLen: number): TokenizedExample[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const ids = Array.from({ length: len }, () => 1 + Math.floor(rand() * (vocab - 1)));
    return { ids, labels: ids.map((id, t) => (t < promptLen ? -100 : id)), truncated: false, source: { file: 'bench', line: i + 1 } };
  });
}

/**
 * Median plain-LoRA step vs median SPF step on one model, two adapters initialised identically, steps interleaved so
 * both see the same GPU state. Each measured step ends with the trainer's own single read-back.
 */
export async function benchSteps(model: CausalLM, shape: BenchShape, opts: { warmup: number; measured: number; anchors?: number; fold?: AnchorFolding }): Promise<StepTiming> {
  const vocab = model.config.vocabSize;
  const data = randomRows(64, shape.seqLen, vocab, 1, shape.seqLen / 2);
  // One anchor, or several (the app and the CLI default to the four bundled ones): each its own gradient, stacked.
  const anchors = randomRows(opts.anchors ?? 1, shape.anchorLen, vocab, 2, shape.anchorLen / 2);
  const lora = { ...DEFAULT_LORA_CONFIG, r: shape.loraR, alpha: 2 * shape.loraR };
  const steps = opts.warmup + opts.measured;
  const options = resolveTrainOptions({ maxSteps: steps, batchSize: shape.batch, maxLength: shape.seqLen, lr: 1e-3 });
  const plainAdapter = LoraAdapter.init(model.config, lora, 7);
  const spfAdapter = LoraAdapter.init(model.config, lora, 7);
  model.adapter = plainAdapter;
  const plain = new Trainer(model, data, [], options, 0);
  model.adapter = spfAdapter;
  const spf = new Trainer(model, data, [], options, 0);
  const projector = new SafetyProjector(model, anchors, resolveSpfOptions({}), 0, Infinity, opts.fold ?? 'auto');
  spf.addGradientHook(projector.hook);
  const plainTimes: number[] = [];
  const spfTimes: number[] = [];
  const plainStep = async (): Promise<number> => {
    model.adapter = plainAdapter;
    return (await plain.trainStep()).ms;
  };
  const spfStep = async (): Promise<number> => {
    model.adapter = spfAdapter;
    return (await spf.trainStep()).ms;
  };
  for (let s = 0; s < steps; s++) {
    // Which kind runs first alternates, so neither always pays for the other's leftovers (freed buffers, the
    // collector): with plain always first, five runs on lavapipe gave ratios from 0.94 to 1.21.
    let p: number;
    let q: number;
    if (s % 2 === 0) {
      p = await plainStep();
      q = await spfStep();
    } else {
      q = await spfStep();
      p = await plainStep();
    }
    if (s >= opts.warmup) {
      plainTimes.push(p);
      spfTimes.push(q);
    }
  }
  // The step order alternates, so after an even number of steps the plain adapter is the one installed.
  model.adapter = spfAdapter;
  const vars = spfAdapter.variables();
  const { value, grads } = tf.variableGrads(() => meanNll(model, toBatch(anchors, shape.anchorLen, 0)), vars);
  value.dispose();
  const safetyBlocks = vars.map((v) => grads[v.name] as tf.Tensor2D);
  const folded = projector.foldedRefreshes > 0;
  projector.dispose();
  plain.dispose();
  spf.dispose();
  plainAdapter.dispose();
  spfAdapter.dispose();
  model.adapter = undefined;
  const plainMs = median(plainTimes);
  const spfMs = median(spfTimes);
  const pairRatios = spfTimes.map((q, i) => q / plainTimes[i]!);
  return { plainMs, spfMs, ratio: spfMs / plainMs, pairRatioQuartiles: [quantile(pairRatios, 0.25), quantile(pairRatios, 0.75)], folded, labelledRowsPerStep: shape.batch * (shape.seqLen / 2), safetyBlocks };
}

/** One plain LoRA step of the bench's shape under tf.profile (after a warm-up step): where its time goes. */
export async function profilePlainStep(model: CausalLM, shape: BenchShape): Promise<StepProfile | undefined> {
  const data = randomRows(16, shape.seqLen, model.config.vocabSize, 3, shape.seqLen / 2);
  const adapter = LoraAdapter.init(model.config, { ...DEFAULT_LORA_CONFIG, r: shape.loraR, alpha: 2 * shape.loraR }, 7);
  model.adapter = adapter;
  const trainer = new Trainer(model, data, [], resolveTrainOptions({ maxSteps: 2, batchSize: shape.batch, maxLength: shape.seqLen, lr: 1e-3 }), 0);
  try {
    await trainer.trainStep();
    return await profileStep(() => trainer.trainStep(), shape.loraR);
  } finally {
    trainer.dispose();
    adapter.dispose();
    model.adapter = undefined;
  }
}
