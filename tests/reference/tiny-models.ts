/**
 * Small, seeded, fully random Llama / Qwen2 / Qwen3 models for tests: an HF-style config.json object and a weight
 * map under the exact HF tensor names. The tensor list is written out here by name (not derived from the reference's
 * own shape logic), so a naming or shape mistake in the reference shows up as an error instead of agreeing with
 * itself. Deterministic across runs and machines: weights come from a seeded PRNG, never Math.random.
 */
import type { RefLora, RefTensor } from './types';

export type TinyArchitecture = 'llama' | 'qwen2' | 'qwen3';

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

const ARCHITECTURE_NAMES: Record<TinyArchitecture, string> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
};

/**
 * A tiny config.json: 2 layers, hidden 64, 4 query heads over 2 kv heads, vocab 300 (Qwen3 gets an explicit
 * head_dim of 24, unlike hidden / heads = 16). `overrides` replaces or adds keys (an `undefined` value deletes one).
 */
export function tinyConfig(architecture: TinyArchitecture, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const config: Record<string, unknown> = {
    architectures: [ARCHITECTURE_NAMES[architecture]],
    model_type: architecture,
    vocab_size: 300,
    hidden_size: 64,
    intermediate_size: 96,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_theta: architecture === 'llama' ? 10000 : 1000000,
    hidden_act: 'silu',
    max_position_embeddings: 2048,
    tie_word_embeddings: architecture === 'qwen2',
    ...(architecture === 'qwen3' ? { head_dim: 24 } : {}),
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete config[key];
    else config[key] = value;
  }
  return config;
}

function num(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number') throw new Error(`tinyConfig: "${key}" missing`);
  return value;
}

/** uniform in [-bound, bound) */
function uniformTensor(shape: number[], bound: number, random: () => number): RefTensor {
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = (2 * random() - 1) * bound;
  return { shape, data };
}

/** 1 + uniform(+-0.2): a norm gain near one that still shows whether it is applied */
function normTensor(size: number, random: () => number): RefTensor {
  const tensor = uniformTensor([size], 0.2, random);
  tensor.data = tensor.data.map((x) => 1 + x);
  return tensor;
}

/**
 * Random weights for `config` (from tinyConfig or a real config.json of the three families). Linear weights are
 * uniform(+-1/sqrt(in)) (torch's default bound), biases uniform(+-0.1), embeddings uniform(+-1).
 */
export function randomWeights(config: Record<string, unknown>, seed: number): Map<string, RefTensor> {
  const random = seededRandom(seed);
  const arch = config['model_type'] as TinyArchitecture;
  const hidden = num(config, 'hidden_size');
  const heads = num(config, 'num_attention_heads');
  const kvHeads = num(config, 'num_key_value_heads', heads);
  const headDim = num(config, 'head_dim', hidden / heads);
  const inner = num(config, 'intermediate_size');
  const vocab = num(config, 'vocab_size');
  const attentionBias = config['attention_bias'] === true;
  const qkvBias = arch === 'qwen2' || attentionBias;
  const oBias = arch !== 'qwen2' && attentionBias;
  const mlpBias = arch === 'llama' && config['mlp_bias'] === true;
  const weights = new Map<string, RefTensor>();
  const linear = (name: string, out: number, inFeatures: number, bias: boolean) => {
    weights.set(`${name}.weight`, uniformTensor([out, inFeatures], 1 / Math.sqrt(inFeatures), random));
    if (bias) weights.set(`${name}.bias`, uniformTensor([out], 0.1, random));
  };
  weights.set('model.embed_tokens.weight', uniformTensor([vocab, hidden], 1, random));
  for (let layer = 0; layer < num(config, 'num_hidden_layers'); layer++) {
    const p = `model.layers.${layer}`;
    weights.set(`${p}.input_layernorm.weight`, normTensor(hidden, random));
    linear(`${p}.self_attn.q_proj`, heads * headDim, hidden, qkvBias);
    linear(`${p}.self_attn.k_proj`, kvHeads * headDim, hidden, qkvBias);
    linear(`${p}.self_attn.v_proj`, kvHeads * headDim, hidden, qkvBias);
    linear(`${p}.self_attn.o_proj`, hidden, heads * headDim, oBias);
    if (arch === 'qwen3') {
      weights.set(`${p}.self_attn.q_norm.weight`, normTensor(headDim, random));
      weights.set(`${p}.self_attn.k_norm.weight`, normTensor(headDim, random));
    }
    weights.set(`${p}.post_attention_layernorm.weight`, normTensor(hidden, random));
    linear(`${p}.mlp.gate_proj`, inner, hidden, mlpBias);
    linear(`${p}.mlp.up_proj`, inner, hidden, mlpBias);
    linear(`${p}.mlp.down_proj`, hidden, inner, mlpBias);
  }
  weights.set('model.norm.weight', normTensor(hidden, random));
  if (config['tie_word_embeddings'] !== true) weights.set('lm_head.weight', uniformTensor([vocab, hidden], 1 / Math.sqrt(hidden), random));
  return weights;
}

/**
 * A random LoRA adapter on `targets` (e.g. ["self_attn.q_proj", "mlp.down_proj"]) in every layer. B is NOT zero
 * (PEFT initialises it to zero, which would make the adapter invisible to a test).
 */
export function randomLora(
  config: Record<string, unknown>,
  targets: readonly string[],
  options: { r: number; alpha: number; useRslora?: boolean; seed: number },
): RefLora {
  const random = seededRandom(options.seed);
  const hidden = num(config, 'hidden_size');
  const heads = num(config, 'num_attention_heads');
  const kvHeads = num(config, 'num_key_value_heads', heads);
  const headDim = num(config, 'head_dim', hidden / heads);
  const inner = num(config, 'intermediate_size');
  const shapes: Record<string, [number, number]> = {
    'self_attn.q_proj': [heads * headDim, hidden],
    'self_attn.k_proj': [kvHeads * headDim, hidden],
    'self_attn.v_proj': [kvHeads * headDim, hidden],
    'self_attn.o_proj': [hidden, heads * headDim],
    'mlp.gate_proj': [inner, hidden],
    'mlp.up_proj': [inner, hidden],
    'mlp.down_proj': [hidden, inner],
  };
  const modules = new Map<string, { A: RefTensor; B: RefTensor }>();
  for (let layer = 0; layer < num(config, 'num_hidden_layers'); layer++) {
    for (const target of targets) {
      const shape = shapes[target];
      if (shape === undefined) throw new Error(`randomLora: unknown target ${target}`);
      const [out, inFeatures] = shape;
      modules.set(`model.layers.${layer}.${target}`, {
        A: uniformTensor([options.r, inFeatures], 1 / Math.sqrt(inFeatures), random),
        B: uniformTensor([out, options.r], 0.5, random),
      });
    }
  }
  return { r: options.r, alpha: options.alpha, useRslora: options.useRslora ?? false, modules };
}

export const ALL_LORA_TARGETS = [
  'self_attn.q_proj',
  'self_attn.k_proj',
  'self_attn.v_proj',
  'self_attn.o_proj',
  'mlp.gate_proj',
  'mlp.up_proj',
  'mlp.down_proj',
] as const;
