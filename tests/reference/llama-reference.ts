/**
 * An independent float64 reference of the Llama / Qwen2 / Qwen3 causal-LM forward pass with LoRA, written from
 * transformers' modeling_llama.py / modeling_qwen2.py / modeling_qwen3.py (+ modeling_rope_utils.py) and PEFT's
 * lora.Linear. The tfjs model in engine/model is tested against it; it shares no code with it.
 *
 * Scope: one sequence (batch 1), positions 0..T-1, no padding, no KV cache. Everything is float64, including the
 * RoPE tables that HF builds in float32, so the reference is the exact-arithmetic target that float32 code approaches.
 */
import { SafeTuneError } from '../../engine/errors';
import { selfAttention } from './ref-attention';
import { parseRefConfig, type RefModelConfig } from './ref-config';
import { resolveLora } from './ref-lora';
import { gatedMlp } from './ref-mlp';
import { gatherModelWeights, linearShapes } from './ref-model-weights';
import { addScaledInPlace, logSoftmaxRow, matmulTransposed, rmsNorm, zeroRows, type Rows } from './ref-ops';
import type { RefLora, RefTensor } from './types';

export type { RefLora, RefLoraPair, RefTensor } from './types';
export { finiteDifferenceGradient } from './finite-diff';

/** HF's ignore_index for labels: the position contributes no loss. */
export const IGNORE_INDEX = -100;

function checkTokenIds(ids: readonly number[], vocabSize: number): void {
  if (ids.length === 0) {
    throw new SafeTuneError('bad-argument', 'reference forward: ids is empty', 'pass at least one token id');
  }
  ids.forEach((id, position) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new SafeTuneError(
        'bad-argument',
        `reference forward: ids[${position}] = ${id} is not a token id of a ${vocabSize}-token vocabulary`,
        'token ids must be integers in [0, vocab_size)',
      );
    }
  });
}

/** embed_tokens lookup: (T) -> (T, hidden). No embedding scale in these models. */
function embed(ids: readonly number[], table: RefTensor, hidden: number): Rows {
  const h = zeroRows(ids.length, hidden);
  ids.forEach((id, t) => {
    for (let i = 0; i < hidden; i++) h.data[t * hidden + i] = table.data[id * hidden + i] as number;
  });
  return h;
}

function forward(cfg: RefModelConfig, weights: Map<string, RefTensor>, ids: readonly number[], lora?: RefLora): Float64Array {
  checkTokenIds(ids, cfg.vocabSize);
  const model = gatherModelWeights(cfg, weights);
  const loras = resolveLora(lora, linearShapes(cfg));
  const h = embed(ids, model.embed, cfg.hiddenSize); // (T, hidden): the residual stream
  model.layers.forEach((layer, i) => {
    const attnIn = rmsNorm(h, layer.inputNorm, cfg.rmsNormEps); // (T, hidden)
    addScaledInPlace(h, selfAttention(attnIn, layer, cfg, cfg.slidingWindows[i] ?? null, loras));
    const mlpIn = rmsNorm(h, layer.postAttentionNorm, cfg.rmsNormEps); // (T, hidden)
    addScaledInPlace(h, gatedMlp(mlpIn, layer, loras));
  });
  const final = rmsNorm(h, model.finalNorm, cfg.rmsNormEps); // (T, hidden)
  return matmulTransposed(final, model.lmHead, null).data; // (T, vocab)
}

/**
 * Logits of a causal LM for one sequence: row-major [T, vocab_size] in float64.
 * `config` is the parsed HF config.json; `weights` maps HF tensor names (as in the safetensors) to tensors.
 * Throws SafeTuneError on an unsupported or inconsistent config, a missing / misshapen / unexpected tensor, a bad
 * LoRA key or shape, or a token id outside the vocabulary.
 */
export function referenceLogits(
  config: Record<string, unknown>,
  weights: Map<string, RefTensor>,
  ids: number[],
  lora?: RefLora,
): Float64Array {
  return forward(parseRefConfig(config), weights, ids, lora);
}

/**
 * Mean next-token negative log-likelihood, HF convention (ForCausalLMLoss): `labels` is aligned with `ids` (same
 * length, NOT pre-shifted); logits[t] is scored against labels[t + 1] for t < T - 1, so labels[0] is never a target.
 * Labels equal to -100 are ignored; the mean is over the counted targets. Throws when no target is counted (HF would
 * return NaN) or a label is neither -100 nor a token id.
 */
export function referenceLoss(
  config: Record<string, unknown>,
  weights: Map<string, RefTensor>,
  ids: number[],
  labels: number[],
  lora?: RefLora,
): number {
  const cfg = parseRefConfig(config);
  if (labels.length !== ids.length) {
    throw new SafeTuneError(
      'bad-argument',
      `reference loss: ${labels.length} labels for ${ids.length} ids`,
      'labels must be aligned with ids (same length, unshifted; -100 where no loss is wanted)',
    );
  }
  labels.forEach((label, position) => {
    if (label !== IGNORE_INDEX && (!Number.isInteger(label) || label < 0 || label >= cfg.vocabSize)) {
      throw new SafeTuneError(
        'bad-argument',
        `reference loss: labels[${position}] = ${label} is neither -100 nor a token id (vocab_size ${cfg.vocabSize})`,
        'use -100 for positions without loss',
      );
    }
  });
  const logits = forward(cfg, weights, ids, lora);
  let total = 0;
  let counted = 0;
  for (let t = 0; t + 1 < ids.length; t++) {
    const target = labels[t + 1] as number;
    if (target === IGNORE_INDEX) continue;
    total -= logSoftmaxRow(logits, t * cfg.vocabSize, cfg.vocabSize)[target] as number;
    counted++;
  }
  if (counted === 0) {
    throw new SafeTuneError(
      'bad-argument',
      'reference loss: no label after position 0 is a target (all -100), so the mean loss is undefined',
      'mark at least one of labels[1..] with its token id',
    );
  }
  return total / counted;
}
