/**
 * Gathers and shape-checks every tensor of a Llama / Qwen2 / Qwen3 causal LM, by its HF name, from the config.
 * Shapes follow torch.nn.Linear ([out, in]) and nn.Embedding ([vocab, hidden]).
 */
import type { RefModelConfig } from './ref-config';
import { LORA_TARGETS } from './ref-lora';
import { RefWeights } from './ref-weights';
import type { RefTensor } from './types';

export interface RefLinear {
  path: string; // HF module path, e.g. "model.layers.0.self_attn.q_proj": the LoRA key
  weight: RefTensor; // [out, in]
  bias: RefTensor | null; // [out]
}

export interface RefLayerWeights {
  inputNorm: RefTensor; // [hidden]
  q: RefLinear; // [heads * head_dim, hidden]
  k: RefLinear; // [kv_heads * head_dim, hidden]
  v: RefLinear; // [kv_heads * head_dim, hidden]
  o: RefLinear; // [hidden, heads * head_dim]
  qNorm: RefTensor | null; // [head_dim], Qwen3 only
  kNorm: RefTensor | null; // [head_dim], Qwen3 only
  postAttentionNorm: RefTensor; // [hidden]
  gate: RefLinear; // [intermediate, hidden]
  up: RefLinear; // [intermediate, hidden]
  down: RefLinear; // [hidden, intermediate]
}

export interface RefModelWeights {
  embed: RefTensor; // [vocab, hidden]
  layers: RefLayerWeights[];
  finalNorm: RefTensor; // [hidden]
  lmHead: RefTensor; // [vocab, hidden]; embed itself when tie_word_embeddings
}

/** [out, in] of every LoRA-adaptable linear layer, by module path. */
export function linearShapes(cfg: RefModelConfig): Map<string, [number, number]> {
  const { hiddenSize: hidden, intermediateSize: inner, numHeads, numKvHeads, headDim } = cfg;
  const shapes: Record<(typeof LORA_TARGETS)[number], [number, number]> = {
    'self_attn.q_proj': [numHeads * headDim, hidden],
    'self_attn.k_proj': [numKvHeads * headDim, hidden],
    'self_attn.v_proj': [numKvHeads * headDim, hidden],
    'self_attn.o_proj': [hidden, numHeads * headDim],
    'mlp.gate_proj': [inner, hidden],
    'mlp.up_proj': [inner, hidden],
    'mlp.down_proj': [hidden, inner],
  };
  const all = new Map<string, [number, number]>();
  for (let layer = 0; layer < cfg.numLayers; layer++) {
    for (const target of LORA_TARGETS) all.set(`model.layers.${layer}.${target}`, shapes[target]);
  }
  return all;
}

function readLinear(weights: RefWeights, path: string, shape: [number, number], hasBias: boolean): RefLinear {
  return {
    path,
    weight: weights.get(`${path}.weight`, shape),
    bias: hasBias ? weights.get(`${path}.bias`, [shape[0]]) : null,
  };
}

export function gatherModelWeights(cfg: RefModelConfig, tensors: Map<string, RefTensor>): RefModelWeights {
  const weights = new RefWeights(tensors);
  const shapes = linearShapes(cfg);
  const hidden = [cfg.hiddenSize];
  const linear = (layer: number, target: (typeof LORA_TARGETS)[number], hasBias: boolean): RefLinear => {
    const path = `model.layers.${layer}.${target}`;
    return readLinear(weights, path, shapes.get(path) as [number, number], hasBias);
  };
  const embed = weights.get('model.embed_tokens.weight', [cfg.vocabSize, cfg.hiddenSize]);
  const layers: RefLayerWeights[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const prefix = `model.layers.${i}`;
    layers.push({
      inputNorm: weights.get(`${prefix}.input_layernorm.weight`, hidden),
      q: linear(i, 'self_attn.q_proj', cfg.qkvBias),
      k: linear(i, 'self_attn.k_proj', cfg.qkvBias),
      v: linear(i, 'self_attn.v_proj', cfg.qkvBias),
      o: linear(i, 'self_attn.o_proj', cfg.oBias),
      qNorm: cfg.qkNorm ? weights.get(`${prefix}.self_attn.q_norm.weight`, [cfg.headDim]) : null,
      kNorm: cfg.qkNorm ? weights.get(`${prefix}.self_attn.k_norm.weight`, [cfg.headDim]) : null,
      postAttentionNorm: weights.get(`${prefix}.post_attention_layernorm.weight`, hidden),
      gate: linear(i, 'mlp.gate_proj', cfg.mlpBias),
      up: linear(i, 'mlp.up_proj', cfg.mlpBias),
      down: linear(i, 'mlp.down_proj', cfg.mlpBias),
    });
  }
  const finalNorm = weights.get('model.norm.weight', hidden);
  const lmHead = cfg.tieWordEmbeddings ? embed : weights.get('lm_head.weight', [cfg.vocabSize, cfg.hiddenSize]);
  weights.assertAllRead(cfg.tieWordEmbeddings);
  return { embed, layers, finalNorm, lmHead };
}
