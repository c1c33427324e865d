import type { Architecture, ModelConfig } from './config';
import { parseModelConfig } from './config';
import type { NamedHostTensor } from './base-weights';
import { expectedTensors } from './base-weights';
import { mulberry32 } from '../util/random';

export type TinyArch = 'llama' | 'llama3' | 'qwen2' | 'qwen3';

/**
 * HF config.json of a tiny random model of each supported family: the same fields the real models carry, at sizes a
 * software GPU runs in milliseconds. `llama3` adds Llama 3.1-style rope_scaling.
 */
export function tinyHfConfig(arch: TinyArch, vocabSize: number, eosTokenId = vocabSize - 1): Record<string, unknown> {
  const common = {
    vocab_size: vocabSize,
    hidden_size: 64,
    intermediate_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 512,
    rms_norm_eps: 1e-6,
    torch_dtype: 'float32',
    bos_token_id: null,
    eos_token_id: eosTokenId,
  };
  const architecture: Architecture = arch === 'qwen2' ? 'Qwen2ForCausalLM' : arch === 'qwen3' ? 'Qwen3ForCausalLM' : 'LlamaForCausalLM';
  switch (arch) {
    case 'llama':
      return { architectures: [architecture], model_type: 'llama', ...common, rope_theta: 10000, tie_word_embeddings: true, attention_bias: false, mlp_bias: false };
    case 'llama3':
      return {
        architectures: [architecture],
        model_type: 'llama',
        ...common,
        rope_theta: 500000,
        tie_word_embeddings: false,
        // original_max 64 so that the tiny head dim's frequencies fall in all three bands of the llama3 rule
        rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 },
      };
    case 'qwen2':
      return { architectures: [architecture], model_type: 'qwen2', ...common, rope_theta: 1000000, tie_word_embeddings: true };
    case 'qwen3':
      // Qwen3's head_dim is explicit and differs from hidden / heads (here 24 vs 16), as in the real models.
      return { architectures: [architecture], model_type: 'qwen3', ...common, head_dim: 24, rope_theta: 1000000, tie_word_embeddings: false, attention_bias: false };
  }
}

/**
 * Random weights for every tensor the config needs: N(0, 0.02²)-ish uniform noise for matrices (as HF's
 * initializer_range), norms around 1, small biases. Deterministic in `seed`.
 */
export function randomWeights(config: ModelConfig, seed: number): Map<string, NamedHostTensor> {
  const rand = mulberry32(seed);
  const out = new Map<string, NamedHostTensor>();
  for (const [name, shape] of expectedTensors(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isNorm = name.endsWith('norm.weight');
    const isBias = name.endsWith('.bias');
    // Larger than HF's 0.02 so that tiny models have non-trivial attention patterns and logits.
    const scale = isBias ? 0.1 : 0.15;
    for (let i = 0; i < n; i++) data[i] = isNorm ? 1 + 0.2 * (rand() - 0.5) : scale * (2 * rand() - 1) * Math.sqrt(3);
    out.set(name, { shape, data });
  }
  return out;
}

export function tinyModelConfig(arch: TinyArch, vocabSize: number): ModelConfig {
  return parseModelConfig(tinyHfConfig(arch, vocabSize));
}
