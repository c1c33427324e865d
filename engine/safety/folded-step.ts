import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../model/causal-lm';
import { IGNORE_INDEX, nllSumsPerPart, type TokenBatch } from '../model/loss';
import { foldedMask } from '../model/folded-lora';
import type { TokenizedExample } from '../data/types';
import type { AnchorGradients } from './anchor-gradients';
import type { AnchorSlots } from './anchor-slots';

/** A training micro-batch's loss and gradients, and the anchors' gradients from the same pass. */
export interface FoldedGradients {
  value: tf.Scalar; // the training rows' summed NLL divided by `denom` (the trainer's per-micro-batch term)
  grads: tf.Tensor[]; // its gradient, one per adapter variable (adapter.variables() order)
  anchors: AnchorGradients; // each anchor group's gradient, stacked as anchorGroupGradients stacks them
}

/**
 * The step's first micro-batch and SPF's anchor groups in one forward and backward pass (SPF.md step 2 folded into
 * step 1): the anchors' rows follow the batch's, every row padded to the longer of the two lengths, and the gradient
 * of Σ(training NLL) / denom + Σ_g (group g's mean NLL) splits by rows — the training rows' to the adapter's A and B,
 * each group's to its slots (folded-lora.ts). The values are those of the two separate passes (the trainer's
 * micro-batch and anchorGroupGradients), up to float order. On a GPU this saves the anchors' own pass, whose
 * dispatches cost about as much as the training batch's. New tensors; the caller disposes them.
 */
export function foldedStepGradients(
  model: CausalLM,
  batch: TokenBatch,
  groups: readonly (readonly TokenizedExample[])[],
  padId: number,
  denom: number,
  slots: AnchorSlots,
): FoldedGradients {
  const adapter = model.adapter;
  if (adapter === undefined) throw new Error('foldedStepGradients: the model has no adapter');
  const modules = adapter.modules();
  const vars = adapter.variables();
  const sizes = groups.map((g) => g.length);
  const anchors = groups.flat();
  const seqLen = Math.max(batch.seqLen, ...anchors.map((e) => e.ids.length));
  const folded = foldBatch(batch, anchors, seqLen, padId);
  const slotTensors = slots.get(groups.length, modules);
  // Groups of one size need no mask (folded-lora.ts): SPF's default, one anchor a group.
  const equal = sizes.every((n) => n === sizes[0]);
  const mask = equal ? undefined : foldedMask(batch.batchSize, sizes, seqLen, adapter.config.r, adapter.scale);
  let trainValue: tf.Scalar | undefined;
  let lossSum: tf.Scalar | undefined;
  try {
    const { value, grads } = tf.valueAndGrads(() => {
      const { sums, counts } = nllSumsPerPart(model, folded, [batch.batchSize, ...sizes], {
        perGroupLora: {
          ...(mask === undefined ? {} : { mask }),
          modules: new Map(modules.map((m, i) => [m.path, { A: slotTensors[2 * i]!, B: slotTensors[2 * i + 1]! }])),
          shared: { scale: adapter.scale, modules: new Map(modules.map((m) => [m.path, { A: m.A, B: m.B }])) },
          trainRows: batch.batchSize * seqLen,
          ...(equal ? { groupRows: sizes[0]! * seqLen } : {}),
        },
      });
      const train = tf.div(sums[0]!, denom) as tf.Scalar;
      const groupLosses = sums.slice(1).map((s, g) => (counts[g + 1] === 0 ? s : tf.div(s, counts[g + 1]!)));
      const anchorSum = (groupLosses.length === 1 ? groupLosses[0]! : tf.addN(groupLosses)) as tf.Scalar;
      trainValue = tf.keep(train.clone());
      lossSum = tf.keep(anchorSum.clone());
      return tf.add(train, anchorSum) as tf.Scalar;
    })([...vars, ...slotTensors]);
    value.dispose();
    const trainGrads = grads.slice(0, vars.length);
    const slotGrads = grads.slice(vars.length) as tf.Tensor2D[];
    const axes = modules.flatMap((): (0 | 1)[] => [0, 1]);
    return { value: trainValue!, grads: trainGrads, anchors: { stacked: { grads: slotGrads, axes, groups: groups.length }, lossSum: lossSum! } };
  } catch (err) {
    tf.dispose([trainValue, lossSum].filter((t): t is tf.Scalar => t !== undefined));
    throw err;
  } finally {
    mask?.dispose();
  }
}

/** `batch`'s rows, then `anchors` (their ids and labels), every row right-padded to `seqLen`. */
function foldBatch(batch: TokenBatch, anchors: readonly TokenizedExample[], seqLen: number, padId: number): TokenBatch {
  const rows = batch.batchSize + anchors.length;
  const ids = new Int32Array(rows * seqLen).fill(padId);
  const labels = new Int32Array(rows * seqLen).fill(IGNORE_INDEX);
  for (let i = 0; i < batch.batchSize; i++) {
    ids.set(batch.ids.subarray(i * batch.seqLen, (i + 1) * batch.seqLen), i * seqLen);
    labels.set(batch.labels.subarray(i * batch.seqLen, (i + 1) * batch.seqLen), i * seqLen);
  }
  anchors.forEach((a, j) => {
    ids.set(a.ids, (batch.batchSize + j) * seqLen);
    labels.set(a.labels, (batch.batchSize + j) * seqLen);
  });
  return { ids, labels, batchSize: rows, seqLen };
}
