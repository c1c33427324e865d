import { countLoraParameters, countParameters, type LoraTargetName, type ModelShape } from './model-shape';

/**
 * A rough, deliberately pessimistic estimate of the GPU memory a training run needs, shown before the model loads so
 * the user learns "this will not fit" from a sentence instead of a lost device. tfjs keeps every tensor in float32,
 * and its autodiff keeps each op's inputs alive until the backward pass, so the activation term dominates for long
 * sequences and the logits term for large vocabularies.
 */
export interface RunSize {
  batchSize: number;
  maxLength: number;
  loraRank: number;
  loraTargets: readonly LoraTargetName[];
  spf: boolean; // SPF keeps a safety gradient and a rank-k subspace per LoRA block
  spfRank: number;
  compareWithPlain: boolean; // a second adapter with its own optimizer state
}

/** What bounds memory on this device: the adapter's per-buffer limits and a total budget. */
export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Total bytes we dare use; WebGPU does not report GPU memory, so the caller picks a conservative figure. */
  budgetBytes: number;
}

export interface MemoryEstimate {
  parameters: number;
  loraParameters: number;
  bytes: {
    weights: number; // frozen base weights, float32 on the GPU
    adapter: number; // LoRA A and B
    optimizer: number; // gradients + AdamW's two moments (+ SPF's safety gradient and subspaces)
    activations: number; // kept for the backward pass, per layer, plus attention scores
    logits: number; // batch × length × vocab, with its softmax and gradient
    total: number;
  };
  /** The largest single tensor, which must fit in one storage binding. */
  largestBuffer: { name: string; bytes: number };
  fits: boolean;
  /** What to change when it does not fit (or comes close); empty when it comfortably fits. */
  advice: string[];
}

const F32 = 4;
/** Above this share of the budget the estimate says "tight": it is an estimate, not a measurement. */
const TIGHT = 0.8;

export function estimateTrainingMemory(shape: ModelShape, run: RunSize, limits: DeviceLimits): MemoryEstimate {
  const parameters = countParameters(shape);
  const adapters = run.compareWithPlain ? 2 : 1;
  const loraParameters = countLoraParameters(shape, run.loraRank, run.loraTargets);
  const tokens = run.batchSize * run.maxLength;

  const weights = parameters * F32;
  const adapter = adapters * loraParameters * F32;
  // Gradient + first and second moment per adapter; SPF adds the safety gradient (one more adapter-sized buffer) and a
  // k-column basis per block, which is at most k/r of the adapter on the block's longer side.
  const optimizerCopies = 3 + (run.spf ? 1 + Math.min(1, run.spfRank / run.loraRank) : 0);
  const optimizer = adapters * loraParameters * F32 * optimizerCopies;

  const q = shape.heads * shape.headDim;
  const kv = shape.kvHeads * shape.headDim;
  // Per token per layer: norms and residuals (~6 × hidden), q/k/v before and after RoPE, attention output, the MLP's
  // gate / up / activation / product (4 × intermediate), and the LoRA side paths (r per target).
  const perTokenPerLayer = 6 * shape.hidden + 2 * (q + 2 * kv) + q + 4 * shape.intermediate + run.loraRank * run.loraTargets.length;
  const scores = run.batchSize * shape.heads * run.maxLength * run.maxLength; // one layer's attention matrix
  // Scores and probabilities are kept per layer; the backward pass holds one more layer's worth of gradients at a time.
  const activations = (shape.layers * (tokens * perTokenPerLayer + 2 * scores) + tokens * perTokenPerLayer + 2 * scores) * F32;
  const logitsOne = tokens * shape.vocab * F32;
  const logits = 3 * logitsOne; // logits, log-softmax, and their gradient

  const total = weights + adapter + optimizer + activations + logits;

  const candidates: { name: string; bytes: number }[] = [
    { name: 'embedding matrix (vocab × hidden)', bytes: shape.vocab * shape.hidden * F32 },
    { name: 'logits (batch × length × vocab)', bytes: logitsOne },
    { name: 'attention scores (batch × heads × length²)', bytes: scores * F32 },
    { name: 'MLP weight (intermediate × hidden)', bytes: shape.intermediate * shape.hidden * F32 },
  ];
  const largestBuffer = candidates.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);

  const advice: string[] = [];
  const embeddingTooBig = shape.vocab * shape.hidden * F32 > maxBinding;
  if (embeddingTooBig) {
    advice.push(
      `The embedding matrix alone (${formatMiB(shape.vocab * shape.hidden * F32)}) exceeds this GPU's largest buffer ` +
        `(${formatMiB(maxBinding)}): choose a smaller model.`,
    );
  }
  if (logitsOne > maxBinding) {
    const maxTokens = Math.floor(maxBinding / (shape.vocab * F32));
    advice.push(
      `The logits of one batch (${formatMiB(logitsOne)}) exceed this GPU's largest buffer (${formatMiB(maxBinding)}): ` +
        `keep batch size × max length at or below ${maxTokens} tokens (now ${tokens}).`,
    );
  }
  if (scores * F32 > maxBinding) {
    advice.push(`The attention scores at length ${run.maxLength} exceed this GPU's largest buffer: lower the max length.`);
  }
  const overBudget = total > limits.budgetBytes;
  if (overBudget || total > TIGHT * limits.budgetBytes) {
    const lead = overBudget
      ? `About ${formatMiB(total)} needed, more than the ${formatMiB(limits.budgetBytes)} this device can safely give.`
      : `About ${formatMiB(total)} needed, close to the ${formatMiB(limits.budgetBytes)} this device can safely give.`;
    const biggest = activations + logits > weights ? 'lower the batch size or the max length (activations dominate)' : 'choose a smaller model (the weights dominate)';
    advice.push(`${lead} To make room: ${biggest}${run.compareWithPlain ? ', or turn off the plain-LoRA comparison run' : ''}.`);
  }

  return {
    parameters,
    loraParameters,
    bytes: { weights, adapter, optimizer, activations, logits, total },
    largestBuffer,
    fits: !overBudget && largestBuffer.bytes <= maxBinding,
    advice,
  };
}

function formatMiB(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}
