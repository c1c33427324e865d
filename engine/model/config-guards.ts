import { SafeTuneError } from '../errors';

type Json = Record<string, unknown>;

function fail(key: string, message: string, hint: string): never {
  throw new SafeTuneError('bad-config', `config.json: "${key}" ${message}`, hint);
}

const DTYPES = ['float32', 'float16', 'bfloat16'];

/**
 * Keys of a Llama / Qwen config.json that would change the math SafeTune computes. Each is an error naming the key
 * when set to something the forward pass does not implement: a model that silently computes something else is worse
 * than one that does not load.
 */
export function rejectUnsupportedMath(c: Json): void {
  const act = c['hidden_act'];
  if (act !== undefined && act !== 'silu') fail('hidden_act', `is ${JSON.stringify(act)}`, 'SafeTune implements the SiLU-gated MLP (hidden_act "silu") only');

  // Sliding-window attention (Qwen2 / Qwen3 `use_sliding_window`, transformers v5 `layer_types`) masks distant keys.
  if (c['use_sliding_window'] === true && c['sliding_window'] !== null) {
    fail('use_sliding_window', 'is true', 'SafeTune computes full causal attention; set use_sliding_window to false (the released Qwen checkpoints ship with it off)');
  }
  const layerTypes = c['layer_types'];
  if (Array.isArray(layerTypes)) {
    const i = layerTypes.findIndex((t) => t !== 'full_attention');
    if (i >= 0) fail('layer_types', `[${i}] is ${JSON.stringify(layerTypes[i])}`, 'SafeTune computes full causal attention in every layer ("full_attention")');
  }

  // Attention dropout applies while training (transformers uses it only in train mode).
  const dropout = c['attention_dropout'];
  if (dropout !== undefined && dropout !== null && dropout !== 0) fail('attention_dropout', `is ${JSON.stringify(dropout)}`, 'SafeTune trains without attention dropout; set it to 0');

  for (const key of ['attn_logit_softcapping', 'final_logit_softcapping', 'logits_scaling', 'embedding_multiplier', 'residual_multiplier', 'attention_multiplier']) {
    const v = c[key];
    if (v !== undefined && v !== null) fail(key, `is ${JSON.stringify(v)}`, 'this scaling is not part of Llama / Qwen models; the config belongs to another architecture');
  }

  // transformers v4 writes `torch_dtype`, v5 `dtype`: the checkpoint's storage type, which the safetensors header also
  // gives (SafeTune computes in float32 either way). Anything else is not a model we can read.
  for (const key of ['torch_dtype', 'dtype']) {
    const v = c[key];
    if (v !== undefined && v !== null && !(typeof v === 'string' && DTYPES.includes(v))) fail(key, `is ${JSON.stringify(v)}`, `expected one of ${DTYPES.join(', ')}`);
  }
}
