/**
 * HF config.json -> the handful of numbers the reference forward needs, with the defaults Hugging Face's own config
 * classes apply (LlamaConfig, Qwen2Config, Qwen3Config) when a key is absent. Written from transformers'
 * configuration_*.py / modeling_*.py, not from engine/model.
 */
import { SafeTuneError } from '../../engine/errors';
import { configError, readBoolean, readNonNegativeInt, readNonNegativeNumber, readPositiveInt } from './config-fields';
import { parseRope, type RefRope } from './rope';

export type RefArchitecture = 'llama' | 'qwen2' | 'qwen3';

export interface RefModelConfig {
  architecture: RefArchitecture;
  vocabSize: number; // e.g. 151936
  hiddenSize: number; // e.g. 896
  intermediateSize: number; // e.g. 4864
  numLayers: number; // e.g. 24
  numHeads: number; // e.g. 14 query heads
  numKvHeads: number; // e.g. 2; each kv head serves numHeads / numKvHeads query heads
  headDim: number; // e.g. 64; Qwen3 may set it explicitly, unrelated to hiddenSize / numHeads
  rmsNormEps: number; // e.g. 1e-6
  tieWordEmbeddings: boolean; // lm_head shares embed_tokens
  qkvBias: boolean; // Qwen2 always; Llama / Qwen3 when attention_bias
  oBias: boolean; // Llama / Qwen3 when attention_bias; never Qwen2
  mlpBias: boolean; // Llama when mlp_bias
  qkNorm: boolean; // Qwen3: RMSNorm over head_dim on each q / k head, before RoPE
  rope: RefRope;
  /** Per layer: the sliding-window width, or null for full causal attention (Qwen2 / Qwen3 use_sliding_window). */
  slidingWindows: (number | null)[];
}

const MODEL_TYPES: Record<string, RefArchitecture> = { llama: 'llama', qwen2: 'qwen2', qwen3: 'qwen3' };
const ARCHITECTURES: Record<string, RefArchitecture> = {
  LlamaForCausalLM: 'llama',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
};

/** HF picks the model class from model_type (AutoModelForCausalLM); architectures is the fallback. */
function readArchitecture(config: Record<string, unknown>): RefArchitecture {
  const modelType = config['model_type'];
  if (typeof modelType === 'string' && MODEL_TYPES[modelType] !== undefined) return MODEL_TYPES[modelType];
  const architectures = config['architectures'];
  const first = Array.isArray(architectures) ? architectures[0] : undefined;
  if (modelType === undefined && typeof first === 'string' && ARCHITECTURES[first] !== undefined) {
    return ARCHITECTURES[first];
  }
  throw new SafeTuneError(
    'unsupported-architecture',
    `config.json: model_type ${JSON.stringify(modelType)} / architectures ${JSON.stringify(architectures)} is not supported`,
    'the reference covers LlamaForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM only',
  );
}

/**
 * Qwen2 / Qwen3: a layer slides when use_sliding_window is on and its layer type is "sliding_attention"; without an
 * explicit layer_types list, the layers from max_window_layers on slide (Qwen2Config.__post_init__).
 */
function readSlidingWindows(config: Record<string, unknown>, architecture: RefArchitecture, numLayers: number) {
  const none: (number | null)[] = new Array<number | null>(numLayers).fill(null);
  if (architecture === 'llama' || !readBoolean(config, 'use_sliding_window', false)) return none;
  const window = config['sliding_window'] ?? 4096;
  if (window === null) return none;
  const width = readPositiveInt({ sliding_window: window }, 'sliding_window');
  const layerTypes = config['layer_types'];
  if (layerTypes !== undefined && layerTypes !== null) {
    if (!Array.isArray(layerTypes) || layerTypes.length !== numLayers) {
      throw configError(`"layer_types" must list one entry per layer (${numLayers})`, 'fix or remove "layer_types"');
    }
    return layerTypes.map((type, layer) => {
      if (type !== 'sliding_attention' && type !== 'full_attention') {
        throw configError(`layer_types[${layer}] is ${JSON.stringify(type)}`, 'use "full_attention" or "sliding_attention"');
      }
      return type === 'sliding_attention' ? width : null;
    });
  }
  const maxWindowLayers = readNonNegativeInt(config, 'max_window_layers', 28);
  return none.map((_, layer) => (layer >= maxWindowLayers ? width : null));
}

export function parseRefConfig(config: Record<string, unknown>): RefModelConfig {
  const architecture = readArchitecture(config);
  const hiddenSize = readPositiveInt(config, 'hidden_size');
  const numHeads = readPositiveInt(config, 'num_attention_heads');
  const numLayers = readPositiveInt(config, 'num_hidden_layers');
  // Llama: kv heads default to the query heads; Qwen2Config / Qwen3Config default to 32 (HF's own quirk).
  const numKvHeads = readPositiveInt(config, 'num_key_value_heads', architecture === 'llama' ? numHeads : 32);
  // Qwen3Config defaults head_dim to 128; Llama / Qwen2 derive it.
  const derivedHeadDim = architecture === 'qwen3' ? 128 : Math.floor(hiddenSize / numHeads);
  const headDim = readPositiveInt(config, 'head_dim', derivedHeadDim);
  if (numHeads % numKvHeads !== 0) {
    throw configError(
      `num_attention_heads (${numHeads}) is not a multiple of num_key_value_heads (${numKvHeads})`,
      'grouped-query attention needs each kv head to serve the same number of query heads',
    );
  }
  const hiddenAct = config['hidden_act'] ?? 'silu';
  if (hiddenAct !== 'silu') {
    throw configError(`hidden_act ${JSON.stringify(hiddenAct)} is not supported`, 'these models use "silu"');
  }
  const attentionBias = readBoolean(config, 'attention_bias', false);
  return {
    architecture,
    vocabSize: readPositiveInt(config, 'vocab_size'),
    hiddenSize,
    intermediateSize: readPositiveInt(config, 'intermediate_size'),
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: readNonNegativeNumber(config, 'rms_norm_eps', 1e-6),
    tieWordEmbeddings: readBoolean(config, 'tie_word_embeddings', false),
    qkvBias: architecture === 'qwen2' ? true : attentionBias,
    oBias: architecture === 'qwen2' ? false : attentionBias,
    mlpBias: architecture === 'llama' ? readBoolean(config, 'mlp_bias', false) : false,
    qkNorm: architecture === 'qwen3',
    rope: parseRope(config, headDim),
    slidingWindows: readSlidingWindows(config, architecture, numLayers),
  };
}
