import { SafeTuneError } from '../errors';

/** `rope_type` `llama3` (Llama 3.1 / 3.2): stretches the low-frequency RoPE components. */
export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number; // e.g. 32 (Llama-3.2-1B)
  lowFreqFactor: number; // e.g. 1
  highFreqFactor: number; // e.g. 4
  originalMaxPositionEmbeddings: number; // e.g. 8192
}

/** The RoPE settings of a config.json, whichever transformers version wrote it. */
export interface RopeSettings {
  theta: number; // 100000 (SmolLM2), 1000000 (Qwen2.5)
  scaling: Llama3RopeScaling | undefined;
}

type Json = Record<string, unknown>;

/** Rope types transformers knows that SafeTune does not compute: each changes the frequencies or the attention scale. */
const UNSUPPORTED_ROPE_TYPES = ['linear', 'dynamic', 'yarn', 'longrope', 'su', 'mrope', 'ntk'];

function fail(message: string, hint: string): never {
  throw new SafeTuneError('bad-config', `config.json: ${message}`, hint);
}

function objectOrNull(c: Json, key: string): Json | undefined {
  const v = c[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(`"${key}" must be an object or null, got ${JSON.stringify(v)}`, `fix or remove "${key}"`);
  return v as Json;
}

/** `where` is the object holding the key ("rope_parameters"), or '' for the top level. */
function positive(s: Json, where: string, key: string, integer: boolean): number {
  const v = s[key];
  const name = where === '' ? key : `${where}.${key}`;
  const ok = typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v));
  if (!ok) fail(`"${name}" must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`, `set "${name}" as the model's original config has it`);
  return v as number;
}

/** JSON text of a field, for comparing and quoting ("undefined" when absent). */
function jsonOf(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

/**
 * A config carrying both layouts (v5 keeps `rope_scaling` beside `rope_parameters` for older readers) must say the
 * same thing in both: only `rope_parameters` is used, and a `rope_scaling` that disagrees means the config was edited
 * in one place only. The type (`rope_type`, or the older `type`) and every field both give must match.
 */
function requireSameRope(v4: Json, v5: Json): void {
  const hint = 'keep only the one transformers wrote, or make both give the values the model was trained with';
  const v4Type = v4['rope_type'] ?? v4['type'];
  const v5Type = v5['rope_type'] ?? v5['type'];
  if (v4Type !== v5Type) fail(`"rope_scaling" (type ${jsonOf(v4Type)}) and "rope_parameters" (type ${jsonOf(v5Type)}) disagree`, hint);
  for (const key of Object.keys(v4)) {
    if (key === 'rope_type' || key === 'type' || !Object.hasOwn(v5, key)) continue;
    if (jsonOf(v4[key]) !== jsonOf(v5[key])) {
      fail(`"rope_scaling.${key}" (${jsonOf(v4[key])}) and "rope_parameters.${key}" (${jsonOf(v5[key])}) disagree`, hint);
    }
  }
}

/**
 * RoPE from a transformers v4 config (top-level `rope_theta`, optional `rope_scaling`) or a v5 one (`rope_parameters`
 * holding `rope_type`, `rope_theta` and the scaling fields). Any rope type other than default / llama3, a partial
 * rotary factor, or two disagreeing thetas is an error naming the key: computing with the wrong frequencies would give
 * a model that loads and talks nonsense.
 */
export function parseRopeSettings(c: Json): RopeSettings {
  const v5 = objectOrNull(c, 'rope_parameters');
  const v4 = objectOrNull(c, 'rope_scaling');
  const where = v5 !== undefined ? 'rope_parameters' : 'rope_scaling';
  const params = v5 ?? v4;
  if (v5 !== undefined && v4 !== undefined) requireSameRope(v4, v5);
  if (params !== undefined && params['rope_type'] === undefined && params['type'] === undefined && Object.values(params).some((x) => typeof x === 'object' && x !== null)) {
    // transformers v5 writes one parameter set per layer type for models with sliding-window layers (Gemma 3 style).
    fail(`"${where}" holds per-layer-type settings (${Object.keys(params).join(', ')})`, 'SafeTune supports one RoPE for all layers');
  }

  const topTheta = c['rope_theta'];
  const innerTheta = params?.['rope_theta'];
  if (topTheta !== undefined && innerTheta !== undefined && topTheta !== innerTheta) {
    fail(`"rope_theta" (${JSON.stringify(topTheta)}) and "${where}.rope_theta" (${JSON.stringify(innerTheta)}) disagree`, 'keep the one the model was trained with');
  }
  // 10000 is transformers' own default for Llama / Qwen configs that omit it (v4 layout only: v5 always writes it).
  const theta = innerTheta !== undefined ? positive(params!, where, 'rope_theta', false) : topTheta !== undefined ? positive(c, '', 'rope_theta', false) : 10000;

  for (const [obj, key] of [[c, 'partial_rotary_factor'], [params ?? {}, 'partial_rotary_factor']] as const) {
    const f = obj[key];
    if (f !== undefined && f !== null && f !== 1) fail(`"${obj === c ? '' : `${where}.`}${key}" is ${JSON.stringify(f)}`, 'SafeTune rotates the whole head (partial_rotary_factor 1)');
  }

  const type = params?.['rope_type'] ?? params?.['type'] ?? 'default';
  const typeKey = params?.['rope_type'] !== undefined ? `${where}.rope_type` : `${where}.type`;
  if (type === 'default') return { theta, scaling: undefined };
  if (type !== 'llama3') {
    const known = typeof type === 'string' && UNSUPPORTED_ROPE_TYPES.includes(type) ? ` (${type} RoPE scaling is not implemented)` : '';
    fail(`"${typeKey}" is ${JSON.stringify(type)}${known}`, 'SafeTune supports rope_type "default" and "llama3"; pick a model without other RoPE scaling');
  }
  return {
    theta,
    scaling: {
      type: 'llama3',
      factor: positive(params!, where, 'factor', false),
      lowFreqFactor: positive(params!, where, 'low_freq_factor', false),
      highFreqFactor: positive(params!, where, 'high_freq_factor', false),
      originalMaxPositionEmbeddings: positive(params!, where, 'original_max_position_embeddings', true),
    },
  };
}
