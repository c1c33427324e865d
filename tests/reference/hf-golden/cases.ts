/**
 * The models the Hugging Face golden values (hf-golden.json) were computed for. Weights are not stored: they are
 * regenerated from the seeds with tiny-models.ts, bit for bit the ones export-cases.ts handed to transformers.
 * Changing a case here invalidates hf-golden.json: regenerate it (see README.md in this folder).
 */
import { ALL_LORA_TARGETS, tinyConfig } from '../tiny-models';

export interface GoldenCase {
  name: string;
  config: Record<string, unknown>;
  weightSeed: number;
  ids: number[];
  labels: number[]; // aligned with ids, -100 = ignored (HF convention)
  lora: { targets: readonly string[]; r: number; alpha: number; useRslora: boolean; seed: number } | null;
}

const small = { vocab_size: 61, hidden_size: 32, intermediate_size: 48 };
const ids = [3, 17, 42, 0, 60, 17, 5];
const labels = [-100, -100, 42, 0, 60, -100, 5];

export const GOLDEN_CASES: GoldenCase[] = [
  {
    // GQA, all four attention biases + MLP biases, llama3 rope scaling whose bands all occur at head_dim 8:
    // wavelengths 2 pi * [1, 10, 100, 1000] against high / low cut-offs 256 / 8 = 32 and 256 / 1 = 256.
    name: 'llama-gqa-bias-llama3rope-lora-all-rslora',
    config: tinyConfig('llama', {
      ...small,
      attention_bias: true,
      mlp_bias: true,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 8, original_max_position_embeddings: 256 },
    }),
    weightSeed: 11,
    ids,
    labels,
    lora: { targets: ALL_LORA_TARGETS, r: 4, alpha: 8, useRslora: true, seed: 12 },
  },
  {
    name: 'llama-mha-tied-plain',
    config: tinyConfig('llama', { ...small, num_key_value_heads: 4, tie_word_embeddings: true, rope_theta: 500 }),
    weightSeed: 21,
    ids,
    labels,
    lora: null,
  },
  {
    name: 'qwen2-tied-qkv-bias-lora-qv',
    config: tinyConfig('qwen2', small),
    weightSeed: 31,
    ids,
    labels,
    lora: { targets: ['self_attn.q_proj', 'self_attn.v_proj'], r: 2, alpha: 16, useRslora: false, seed: 32 },
  },
  {
    // head_dim 12 while hidden / heads = 8: q_norm / k_norm over head_dim, o_proj maps 48 -> 32.
    name: 'qwen3-headdim-qknorm-lora-all',
    config: tinyConfig('qwen3', { ...small, head_dim: 12 }),
    weightSeed: 41,
    ids,
    labels,
    lora: { targets: ALL_LORA_TARGETS, r: 3, alpha: 6, useRslora: false, seed: 42 },
  },
  {
    name: 'qwen3-attention-bias',
    config: tinyConfig('qwen3', { ...small, head_dim: 8, attention_bias: true, num_hidden_layers: 1 }),
    weightSeed: 51,
    ids,
    labels,
    lora: null,
  },
  {
    // Layer 1 slides with a window of 3 (layer 0 is below max_window_layers).
    name: 'qwen2-sliding-window',
    config: tinyConfig('qwen2', { ...small, use_sliding_window: true, sliding_window: 3, max_window_layers: 1 }),
    weightSeed: 61,
    ids,
    labels,
    lora: null,
  },
];
