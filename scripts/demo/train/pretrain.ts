import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../../../engine/model/causal-lm';
import type { TokenBatch } from '../../../engine/model/loss';
import { learningRate } from '../../../engine/train/schedule';
import type { TrainableWeights } from '../model/trainable-weights';
import { bucketedNllSum } from './bucketed-nll';
import { FlatAdamW } from './flat-adamw';

/** Optimisation settings of the from-scratch pre-training. Defaults in options.ts. */
export interface PretrainOptions {
  lr: number; // peak learning rate, e.g. 3e-3 (a model this small tolerates a high one)
  warmupSteps: number; // linear warm-up, then cosine decay to 0 at the last step
  weightDecay: number; // AdamW decoupled decay on matrices (embedding included); none on RMSNorm weights
  beta1: number;
  beta2: number;
  maxGradNorm: number; // global-norm clipping
  logEvery: number; // steps between progress lines
  lossRowBucket: number; // lm_head rows per batch are padded to a multiple of this (see bucketedNllSum)
  /** Loss weight of each answer's first token (1 = plain mean): the answer-or-refuse decision gets more gradient. */
  firstTokenWeight?: number;
}

/**
 * Rows of one matrix kept at their values through pre-training (the embedding rows of words with pre-trained vectors,
 * model/word-vectors.ts): their gradient is zeroed before clipping and AdamW, and AdamW's decoupled decay skips them,
 * so their update is exactly 0.
 */
export interface FrozenRows {
  name: string;
  rows: readonly number[];
}

export interface PretrainStats {
  steps: number;
  /** Non-padding tokens the model read, and labelled (assistant) tokens the loss was taken on. */
  inputTokens: number;
  trainedTokens: number;
  seconds: number;
  /** Mean loss over each logging window: [step at the window's end, loss]. */
  lossCurve: [number, number][];
  finalLoss: number;
}

/**
 * Full-parameter pre-training: for each batch, the mean NLL of its labelled tokens → gradients of every weight
 * (tf.variableGrads) → global-norm clipping → AdamW (both in FlatAdamW). One read-back per step (the loss), which
 * also keeps the GPU queue from running ahead of the host.
 */
export async function pretrain(
  model: CausalLM,
  trainable: TrainableWeights,
  batches: readonly TokenBatch[],
  padId: number,
  opts: PretrainOptions,
  log: (line: string) => void,
  frozen?: FrozenRows,
): Promise<PretrainStats> {
  const all = [...trainable.variables.entries()];
  const frozenVar = frozen === undefined ? undefined : trainable.variables.get(frozen.name);
  if (frozen !== undefined && frozenVar?.rank !== 2) throw new Error(`pretrain: no matrix ${frozen.name} to freeze rows of`);
  const vars = all.map(([, v]) => v);
  // Matrices (embedding included) decay, RMSNorm weights do not, nor the frozen rows.
  const decay = all.map(([name]): boolean | Float32Array => !name.endsWith('norm.weight'));
  let trainableRows: tf.Tensor2D | undefined; // [rows, 1]: 1 where a row of the frozen matrix trains, else 0
  if (frozenVar !== undefined) {
    const [rows, width] = frozenVar.shape as [number, number];
    const rowMask = new Float32Array(rows).fill(1);
    for (const r of frozen!.rows) rowMask[r] = 0;
    const elementMask = new Float32Array(rows * width);
    rowMask.forEach((m, r) => elementMask.fill(m, r * width, (r + 1) * width));
    decay[vars.indexOf(frozenVar)] = elementMask;
    trainableRows = tf.tensor2d(rowMask, [rows, 1]);
  }
  const optimizer = new FlatAdamW(vars, decay, { beta1: opts.beta1, beta2: opts.beta2, eps: 1e-8, weightDecay: opts.weightDecay, maxGradNorm: opts.maxGradNorm });

  const t0 = performance.now();
  const total = batches.length;
  const lossCurve: [number, number][] = [];
  let inputTokens = 0;
  let trainedTokens = 0;
  let windowLoss = 0;
  let windowSteps = 0;
  let lastLoss = NaN;
  try {
    for (let step = 1; step <= total; step++) {
      const batch = batches[step - 1]!;
      let count = 0;
      const { value, grads } = tf.variableGrads(() => {
        const r = bucketedNllSum(model, batch, opts.lossRowBucket, opts.firstTokenWeight ?? 1);
        count = r.count;
        return tf.div(r.sum, Math.max(r.weight, 1)) as tf.Scalar;
      }, vars);
      const g = vars.map((v) => (v === frozenVar ? tf.mul(grads[v.name]!, trainableRows!) : grads[v.name]!));
      const lr = learningRate('cosine', opts.lr, step, total, opts.warmupSteps);
      const norm = optimizer.apply(g, lr);
      tf.dispose([...g, norm, ...Object.values(grads)]);
      const loss = (await value.data())[0]!; // sync point: one scalar per step
      value.dispose();
      if (!Number.isFinite(loss)) throw new Error(`pre-training diverged at step ${step} (loss ${loss}); lower the learning rate`);

      inputTokens += countInputTokens(batch, padId);
      trainedTokens += count;
      lastLoss = loss;
      windowLoss += loss;
      windowSteps++;
      if (step % opts.logEvery === 0 || step === total) {
        const mean = windowLoss / windowSteps;
        lossCurve.push([step, mean]);
        const s = (performance.now() - t0) / 1000;
        const eta = (s / step) * (total - step);
        log(`step ${step}/${total}  loss ${mean.toFixed(4)}  lr ${lr.toExponential(2)}  ${Math.round(inputTokens / s)} tok/s  ${s.toFixed(0)} s (eta ${eta.toFixed(0)} s)`);
        windowLoss = 0;
        windowSteps = 0;
      }
    }
  } finally {
    optimizer.dispose();
    trainableRows?.dispose();
  }
  return { steps: total, inputTokens, trainedTokens, seconds: (performance.now() - t0) / 1000, lossCurve, finalLoss: lastLoss };
}

/** Non-padding tokens of a right-padded batch: a row's tokens before its trailing unlabelled pad ids. */
function countInputTokens(batch: TokenBatch, padId: number): number {
  let n = 0;
  for (let r = 0; r < batch.batchSize; r++) {
    let end = batch.seqLen;
    while (end > 0 && batch.ids[r * batch.seqLen + end - 1] === padId && batch.labels[r * batch.seqLen + end - 1] === -100) end--;
    n += end;
  }
  return n;
}
