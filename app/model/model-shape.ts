import type { LoraConfig } from '../../workers/protocol';

/**
 * The few numbers of a Hugging Face `config.json` that decide how much memory a run needs. Read on the page, before
 * the worker loads anything, so the memory estimate can warn first. The worker still parses the config for real (and
 * rejects unsupported architectures with the supported list); this reader only needs the sizes.
 */
export interface ModelShape {
  architecture: string; // "LlamaForCausalLM"
  layers: number; // num_hidden_layers
  hidden: number; // hidden_size
  intermediate: number; // intermediate_size (the MLP's inner width)
  heads: number; // num_attention_heads
  kvHeads: number; // num_key_value_heads (grouped-query attention; = heads without GQA)
  headDim: number; // head_dim (hidden / heads unless given)
  vocab: number; // vocab_size
  tiedEmbeddings: boolean; // tie_word_embeddings: the LM head reuses the embedding matrix
  qkvBias: boolean; // Qwen2 has biases on q/k/v
  qkNorm: boolean; // Qwen3 normalises q and k per head
}

/** Parses the sizes out of a config.json's text; the error says which field is missing, for the UI to show. */
export function parseModelShape(configJson: string): ModelShape {
  let raw: unknown;
  try {
    raw = JSON.parse(configJson);
  } catch (e) {
    throw new Error(`config.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('config.json must hold a JSON object');
  const c = raw as Record<string, unknown>;
  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new Error(`config.json: "${key}" must be a positive integer, got ${JSON.stringify(c[key])}`);
    }
    return v;
  };
  const architectures = c['architectures'];
  const architecture =
    Array.isArray(architectures) && typeof architectures[0] === 'string'
      ? architectures[0]
      : typeof c['model_type'] === 'string'
        ? `model_type ${c['model_type']}`
        : 'unknown';
  const hidden = int('hidden_size');
  const heads = int('num_attention_heads');
  return {
    architecture,
    layers: int('num_hidden_layers'),
    hidden,
    intermediate: int('intermediate_size'),
    heads,
    kvHeads: int('num_key_value_heads', heads),
    headDim: int('head_dim', Math.floor(hidden / heads)),
    vocab: int('vocab_size'),
    // PretrainedConfig's default is true; Llama configs usually say false explicitly.
    tiedEmbeddings: c['tie_word_embeddings'] !== false,
    qkvBias: architecture === 'Qwen2ForCausalLM',
    qkNorm: architecture === 'Qwen3ForCausalLM',
  };
}

/** Base-model parameters implied by a shape (embeddings, attention, MLP, norms; the LM head unless tied). */
export function countParameters(s: ModelShape): number {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const attention = s.hidden * q + 2 * s.hidden * kv + q * s.hidden + (s.qkvBias ? q + 2 * kv : 0) + (s.qkNorm ? 2 * s.headDim : 0);
  const mlp = 3 * s.hidden * s.intermediate;
  const norms = 2 * s.hidden;
  const embeddings = s.vocab * s.hidden * (s.tiedEmbeddings ? 1 : 2);
  return embeddings + s.layers * (attention + mlp + norms) + s.hidden;
}

/** [in, out] of each projection LoRA can target, as the adapter's A (r × in) and B (out × r) see it. */
export function projectionSizes(s: ModelShape): Record<LoraTargetName, [number, number]> {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  return {
    q_proj: [s.hidden, q],
    k_proj: [s.hidden, kv],
    v_proj: [s.hidden, kv],
    o_proj: [q, s.hidden],
    gate_proj: [s.hidden, s.intermediate],
    up_proj: [s.hidden, s.intermediate],
    down_proj: [s.intermediate, s.hidden],
  };
}

export type LoraTargetName = LoraConfig['targets'][number];

/** Every projection LoRA can target, in layer order (the Record above makes the compiler check the list is complete). */
export const LORA_TARGET_NAMES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const satisfies readonly LoraTargetName[];
// Fails to compile when the engine gains a target this list lacks.
const listsEveryTarget: Exclude<LoraTargetName, (typeof LORA_TARGET_NAMES)[number]> extends never ? true : never = true;
void listsEveryTarget;

/** Trainable LoRA parameters: r · (in + out) per targeted projection per layer. */
export function countLoraParameters(s: ModelShape, r: number, targets: readonly LoraTargetName[]): number {
  const sizes = projectionSizes(s);
  const perLayer = targets.reduce((sum, t) => sum + r * (sizes[t][0] + sizes[t][1]), 0);
  return s.layers * perLayer;
}
