import { parseModelConfig, type ModelConfig } from '../../engine/model/config';
import { randomWeights } from '../../engine/model/tiny';
import { uploadBaseWeights } from '../../engine/model/base-weights';
import { CausalLM } from '../../engine/model/causal-lm';

export interface BenchShape {
  name: string;
  hf: Record<string, unknown>;
  batch: number; // sequences per optimizer step
  seqLen: number; // tokens per sequence (batch × seqLen ≥ 1024: the realistic shape)
  anchorLen: number; // tokens in the safety anchor (≤ 64)
  loraR: number;
}

/**
 * The model the bench trains. On a software adapter a 2-layer, 128-wide Llama keeps a step to seconds; on a real GPU
 * the SmolLM2-135M shape. Both train 1024 tokens per optimizer step with a 48-token anchor.
 */
export function benchShape(software: boolean): BenchShape {
  const common = { architectures: ['LlamaForCausalLM'], rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 2048, tie_word_embeddings: true };
  return software
    ? { name: 'llama 2x128 (software-sized)', hf: { ...common, vocab_size: 2048, hidden_size: 128, intermediate_size: 352, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 }, batch: 4, seqLen: 256, anchorLen: 48, loraR: 16 }
    : { name: 'SmolLM2-135M shape', hf: { ...common, vocab_size: 49152, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3 }, batch: 4, seqLen: 256, anchorLen: 48, loraR: 16 };
}

export async function benchModel(shape: BenchShape): Promise<CausalLM> {
  const config = parseModelConfig(shape.hf);
  const host = randomWeights(config, 1);
  return new CausalLM(config, await uploadBaseWeights(config, async (n) => host.get(n)!));
}

/**
 * Model FLOPs of one plain LoRA step: the forward pass (2 FLOPs per weight per token for every projection, attention
 * scores and values 4·T·S·d per layer with causal S ≈ T/2, lm_head on the labelled rows) times 2, because with frozen
 * base weights the backward pass computes input gradients only (one more matmul per matmul). LoRA's own FLOPs are
 * left out (loraStepFlops counts them).
 */
export function plainStepFlops(c: ModelConfig, batch: number, seqLen: number, labelledRows: number): number {
  const T = batch * seqLen;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const perLayerWeights = c.hiddenSize * (q + 2 * kv) + q * c.hiddenSize + 3 * c.hiddenSize * c.intermediateSize;
  const attention = 4 * batch * seqLen * (seqLen / 2) * q;
  const forward = c.numLayers * (2 * T * perLayerWeights + attention) + 2 * labelledRows * c.hiddenSize * c.vocabSize;
  return 2 * forward;
}

/**
 * LoRA's own FLOPs in one step with all seven projections adapted at rank r: per token and projection (in → out),
 * 2r(in + out) forward (x·Aᵀ, then ·Bᵀ) and 4r(in + out) backward (dh = dy·B, dx's share dh·A, dA = dhᵀx,
 * dB = dyᵀ·down). Not in plainStepFlops: small at r ≪ hidden (the SmolLM2-135M shape at r = 16: 6 % of the base's),
 * but not at the software bench's 128-wide model (r/hidden = 1/8: 20 %), so the bench reports the MFU both ways.
 */
export function loraStepFlops(c: ModelConfig, tokens: number, r: number): number {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const h = c.hiddenSize;
  const i = c.intermediateSize;
  const inPlusOut = (h + q) * 2 + (h + kv) * 2 + (h + i) * 3;
  return c.numLayers * tokens * 6 * r * inPlusOut;
}
