import { SafeTuneError } from '../errors';
import { rejectUnsupportedMath } from './config-guards';
import { parseRopeSettings, type Llama3RopeScaling } from './rope-config';

export type { Llama3RopeScaling } from './rope-config';

export const SUPPORTED_ARCHITECTURES = ['LlamaForCausalLM', 'Qwen2ForCausalLM', 'Qwen3ForCausalLM'] as const;
export type Architecture = (typeof SUPPORTED_ARCHITECTURES)[number];

/** Everything the forward pass needs, normalised from a Hugging Face config.json. Example values: SmolLM2-135M. */
export interface ModelConfig {
  architecture: Architecture;
  vocabSize: number; // 49152
  hiddenSize: number; // 576
  intermediateSize: number; // 1536
  numLayers: number; // 30
  numHeads: number; // 9
  numKvHeads: number; // 3 (grouped-query attention: numHeads / numKvHeads query heads share one kv head)
  headDim: number; // 64 (hidden / heads unless config says otherwise, as Qwen3 does)
  rmsNormEps: number; // 1e-5
  ropeTheta: number; // 100000
  ropeScaling: Llama3RopeScaling | undefined;
  maxPositionEmbeddings: number; // 8192
  tieWordEmbeddings: boolean; // true: lm_head reuses embed_tokens
  attentionBias: boolean; // q/k/v (and o for Llama) projections carry biases
  attentionOutputBias: boolean; // o_proj bias: follows attention_bias in Llama / Qwen3; Qwen2 never has one
  mlpBias: boolean; // Llama's mlp_bias
  qkNorm: boolean; // Qwen3: RMSNorm over head_dim on q and k before RoPE
  bosTokenId: number | undefined;
  eosTokenIds: number[];
}

type Json = Record<string, unknown>;

function fail(message: string, hint?: string): never {
  throw new SafeTuneError('bad-config', `config.json: ${message}`, hint);
}

function positiveInt(c: Json, key: string, fallback?: number): number {
  const v = c[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    fail(`"${key}" must be a positive integer, got ${JSON.stringify(c[key])}`);
  }
  return v;
}

function positiveNumber(c: Json, key: string, fallback: number): number {
  const v = c[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(`"${key}" must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

function flag(c: Json, key: string, fallback: boolean): boolean {
  const v = c[key] ?? fallback;
  if (typeof v !== 'boolean') fail(`"${key}" must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function tokenIds(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

/**
 * Parses a Hugging Face config.json (already JSON-parsed, written by transformers v4 or v5) into a ModelConfig, or
 * throws naming what is wrong. A key that would change the math in a way SafeTune does not implement is an error.
 */
export function parseModelConfig(raw: unknown): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('expected a JSON object');
  const c = raw as Json;
  const archs = c['architectures'];
  const arch = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : undefined;
  if (arch === undefined || !(SUPPORTED_ARCHITECTURES as readonly string[]).includes(arch)) {
    const got = arch ?? (typeof c['model_type'] === 'string' ? `model_type ${c['model_type']}` : 'no "architectures"');
    throw new SafeTuneError(
      'unsupported-architecture',
      `config.json: unsupported architecture ${got}; SafeTune supports ${SUPPORTED_ARCHITECTURES.join(', ')}`,
      'pick a Llama-family (SmolLM2, TinyLlama, Llama 3.x) or Qwen2 / Qwen2.5 / Qwen3 model',
    );
  }
  const architecture = arch as Architecture;
  rejectUnsupportedMath(c);
  const rope = parseRopeSettings(c);
  const hiddenSize = positiveInt(c, 'hidden_size');
  const numHeads = positiveInt(c, 'num_attention_heads');
  const numKvHeads = positiveInt(c, 'num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    fail(`num_attention_heads (${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads})`);
  }
  const headDimRaw = c['head_dim'];
  const headDim = headDimRaw === undefined || headDimRaw === null ? hiddenSize / numHeads : positiveInt(c, 'head_dim');
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    fail(`head dimension ${headDim} must be an even integer (hidden_size / num_attention_heads or head_dim)`);
  }
  const isQwen2 = architecture === 'Qwen2ForCausalLM';
  const attentionBias = isQwen2 ? true : flag(c, 'attention_bias', false);
  return {
    architecture,
    vocabSize: positiveInt(c, 'vocab_size'),
    hiddenSize,
    intermediateSize: positiveInt(c, 'intermediate_size'),
    numLayers: positiveInt(c, 'num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: positiveNumber(c, 'rms_norm_eps', 1e-6),
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    maxPositionEmbeddings: positiveInt(c, 'max_position_embeddings', 2048),
    tieWordEmbeddings: flag(c, 'tie_word_embeddings', false),
    attentionBias,
    attentionOutputBias: !isQwen2 && attentionBias,
    mlpBias: architecture === 'LlamaForCausalLM' ? flag(c, 'mlp_bias', false) : false,
    qkNorm: architecture === 'Qwen3ForCausalLM',
    bosTokenId: typeof c['bos_token_id'] === 'number' ? c['bos_token_id'] : undefined,
    eosTokenIds: tokenIds(c['eos_token_id']),
  };
}
