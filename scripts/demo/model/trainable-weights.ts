import * as tf from '@tensorflow/tfjs';
import type { BaseWeights, DecoderLayerWeights, Linear } from '../../../engine/model/base-weights';
import { expectedTensors } from '../../../engine/model/base-weights';
import type { ModelConfig } from '../../../engine/model/config';
import { Rng } from '../rng';

/**
 * Every weight of the model as a tf.Variable, keyed by its HF tensor name, and the BaseWeights view CausalLM reads.
 * A Variable is a Tensor, so the engine's forward pass runs on them unchanged and tf.variableGrads differentiates it
 * — full-parameter training with no engine change. `new CausalLM(config, weights).dispose()` releases them.
 */
export interface TrainableWeights {
  weights: BaseWeights;
  /** HF name → variable, in expectedTensors order (the order the safetensors file is written in). */
  variables: Map<string, tf.Variable>;
}

/** Std of a plain weight matrix at init (GPT-2 / HF `initializer_range`). */
const INIT_STD = 0.02;

/**
 * Initial weights, deterministic in `seed`: N(0, 0.02²) matrices, with the projections that write into the residual
 * stream (o_proj, down_proj) scaled down by √(2·layers) as GPT-2 does so the residual's variance does not grow with
 * depth; RMSNorm weights at 1. Drawn on the host (same numbers on every backend), then uploaded.
 */
export function initTrainableWeights(config: ModelConfig, seed: number): TrainableWeights {
  const rng = new Rng(seed);
  const variables = new Map<string, tf.Variable>();
  const residualStd = INIT_STD / Math.sqrt(2 * config.numLayers);
  for (const [name, shape] of expectedTensors(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('norm.weight')) data.fill(1);
    else {
      const std = name.includes('o_proj') || name.includes('down_proj') ? residualStd : INIT_STD;
      for (let i = 0; i < n; i++) data[i] = std * rng.normal();
    }
    // Unnamed variables: tfjs variable names are process-global, and tests build more than one model per process.
    const init = tf.tensor(data, shape, 'float32');
    variables.set(name, tf.variable(init, true));
    init.dispose(); // the variable keeps its own reference to the data
  }
  return { weights: baseWeightsOf(config, variables), variables };
}

/**
 * Trainable copies of a demo model's loaded weights (loadCausalLM's), in expectedTensors order: to continue training
 * the shipped model (continue-training.ts). The variables share the loaded tensors' data until they are first updated.
 */
export function trainableWeightsFrom(config: ModelConfig, loaded: BaseWeights): TrainableWeights {
  const variables = new Map<string, tf.Variable>();
  for (const [name, shape] of expectedTensors(config)) {
    const t = loadedWeight(loaded, name);
    if (t.shape.join(',') !== shape.join(',')) throw new Error(`demo model: ${name} is [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    variables.set(name, tf.variable(t, true));
  }
  return { weights: baseWeightsOf(config, variables), variables };
}

/** The loaded tensor of an HF weight name, for the demo model's layout (no biases, no q/k norms, tied lm_head). */
function loadedWeight(w: BaseWeights, name: string): tf.Tensor {
  if (name === 'model.embed_tokens.weight') {
    // A vocabulary split into chunks (a device's binding limit) would have to be joined; the demo's never is.
    if (!Array.isArray(w.embedTokens)) return w.embedTokens as tf.Tensor2D;
    if (w.embedTokens.length === 1) return w.embedTokens[0]!;
    throw new Error('demo model: the embedding is split into vocabulary chunks; load it on a backend without a binding limit');
  }
  if (name === 'model.norm.weight') return w.norm;
  if (name === 'lm_head.weight') {
    if (!Array.isArray(w.lmHead)) return w.lmHead as tf.Tensor2D;
    if (w.lmHead.length === 1) return w.lmHead[0]!;
    throw new Error('demo model: lm_head is split into vocabulary chunks; load it on a backend without a binding limit');
  }
  const m = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(name);
  const layer = m === null ? undefined : w.layers[Number(m[1])];
  const parts: Record<string, tf.Tensor | undefined> | undefined = layer && {
    input_layernorm: layer.inputNorm,
    post_attention_layernorm: layer.postAttentionNorm,
    'self_attn.q_proj': layer.q.weight,
    'self_attn.k_proj': layer.k.weight,
    'self_attn.v_proj': layer.v.weight,
    'self_attn.o_proj': layer.o.weight,
    'mlp.gate_proj': layer.gate.weight,
    'mlp.up_proj': layer.up.weight,
    'mlp.down_proj': layer.down.weight,
  };
  const t = parts?.[m![2]!];
  if (t === undefined) throw new Error(`demo model: no loaded weight for ${name}`);
  return t;
}

function baseWeightsOf(config: ModelConfig, vars: Map<string, tf.Variable>): BaseWeights {
  const get = <T extends tf.Tensor>(name: string): T => {
    const v = vars.get(name);
    if (v === undefined) throw new Error(`demo model: no variable ${name}`);
    return v as unknown as T;
  };
  const linear = (name: string): Linear => ({ weight: get(`${name}.weight`), bias: undefined });
  const layers: DecoderLayerWeights[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    layers.push({
      inputNorm: get(`${p}.input_layernorm.weight`),
      q: linear(`${p}.self_attn.q_proj`),
      k: linear(`${p}.self_attn.k_proj`),
      v: linear(`${p}.self_attn.v_proj`),
      o: linear(`${p}.self_attn.o_proj`),
      qNorm: undefined,
      kNorm: undefined,
      postAttentionNorm: get(`${p}.post_attention_layernorm.weight`),
      gate: linear(`${p}.mlp.gate_proj`),
      up: linear(`${p}.mlp.up_proj`),
      down: linear(`${p}.mlp.down_proj`),
    });
  }
  const embedTokens = get<tf.Tensor2D>('model.embed_tokens.weight');
  // Tied (the shipped model): lm_head is embed_tokens. Untied: the word-vector trial's own output head.
  const lmHead = config.tieWordEmbeddings ? embedTokens : get<tf.Tensor2D>('lm_head.weight');
  return { embedTokens, layers, norm: get('model.norm.weight'), lmHead };
}

/** Host copies of every weight, for the safetensors writer. Sync point: reads all variables back. */
export async function readWeights(w: TrainableWeights): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
  const out: { name: string; shape: number[]; data: Float32Array }[] = [];
  for (const [name, v] of w.variables) out.push({ name, shape: [...v.shape], data: (await v.data()) as Float32Array });
  return out;
}
