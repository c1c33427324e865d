import { SafeTuneError } from '../errors';
import type { LoraConfig } from '../model/lora';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';

/**
 * adapter_config.json as PEFT's LoraConfig.save_pretrained writes it for a plain LoRA on a causal LM. Only the fields
 * SafeTune sets are written; PEFT fills every other LoraConfig field with its default when it loads the file.
 */
export interface PeftLoraAdapterConfig {
  alpha_pattern: Record<string, never>;
  base_model_name_or_path: string; // e.g. "HuggingFaceTB/SmolLM2-135M": what PeftModel / AutoPeftModel load under it
  bias: 'none';
  fan_in_fan_out: false;
  inference_mode: true;
  init_lora_weights: true;
  layers_to_transform: null;
  lora_alpha: number; // 16
  lora_dropout: number; // 0.05
  modules_to_save: null;
  peft_type: 'LORA';
  r: number; // 8
  rank_pattern: Record<string, never>;
  revision: null;
  target_modules: string[]; // sorted, e.g. ["down_proj", "gate_proj", "k_proj", ...]
  task_type: 'CAUSAL_LM';
  use_dora: false;
  use_rslora: boolean;
}

export function buildAdapterConfig(config: LoraConfig, baseModel: string): PeftLoraAdapterConfig {
  return {
    alpha_pattern: {},
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_to_transform: null,
    lora_alpha: config.alpha,
    lora_dropout: config.dropout,
    modules_to_save: null,
    peft_type: 'LORA',
    r: config.r,
    rank_pattern: {},
    revision: null,
    // PEFT keeps target_modules as a set and writes it as a list in set order; sorted is the stable equivalent.
    target_modules: [...config.targets].sort(),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: config.useRslora,
  };
}

/** The text of json.dumps(value, indent=2, sort_keys=True), which PEFT uses: sorted keys, ASCII-only output. */
export function pythonJsonDumps(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** What SafeTune takes from an adapter_config.json; target selection waits until the layer count is known. */
export interface ParsedAdapterConfig {
  r: number;
  alpha: number;
  dropout: number;
  useRslora: boolean;
  targetModules: unknown; // as in the file: a list, a pattern, "all-linear" or null
  excludeModules: unknown;
}

const nullish = (v: unknown): boolean => v === undefined || v === null;
const falseOrNullish = (v: unknown): boolean => nullish(v) || v === false;
const emptyListOrNullish = (v: unknown): boolean => nullish(v) || (Array.isArray(v) && v.length === 0);
const emptyObjectOrNullish = (v: unknown): boolean =>
  nullish(v) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

// init_lora_weights values that only change how A / B start. The others (pissa*, olora, corda, loftq, lora_ga) also
// rewrite the base model's weights, so the adapter works only on that rewritten base.
const PLAIN_INITS: unknown[] = [true, false, 'gaussian', 'orthogonal', 'eva'];

/** LoraConfig options whose non-default values change what the adapter computes in ways SafeTune does not model. */
const UNSUPPORTED_OPTIONS: { key: string; ok: (v: unknown) => boolean; means: string }[] = [
  { key: 'use_dora', ok: falseOrNullish, means: 'DoRA adds a trained magnitude vector to every module' },
  { key: 'rank_pattern', ok: emptyObjectOrNullish, means: 'some modules have their own rank' },
  { key: 'alpha_pattern', ok: emptyObjectOrNullish, means: 'some modules have their own alpha' },
  { key: 'fan_in_fan_out', ok: falseOrNullish, means: 'the weights are stored transposed (GPT-2 style Conv1D layers)' },
  { key: 'bias', ok: (v) => nullish(v) || v === 'none', means: 'biases were trained too and must be applied with the adapter' },
  { key: 'lora_bias', ok: falseOrNullish, means: 'lora_B carries a trained bias' },
  { key: 'layers_to_transform', ok: nullish, means: 'only some layers are adapted' },
  { key: 'layer_replication', ok: nullish, means: 'layers of the base model are repeated' },
  { key: 'modules_to_save', ok: emptyListOrNullish, means: 'whole modules were trained and replace the base ones' },
  { key: 'trainable_token_indices', ok: nullish, means: 'some embedding rows were trained' },
  { key: 'target_parameters', ok: emptyListOrNullish, means: 'raw parameters (such as MoE experts) are adapted' },
  { key: 'use_qalora', ok: falseOrNullish, means: 'QA-LoRA pools the input features' },
  { key: 'alora_invocation_tokens', ok: nullish, means: 'the adapter switches on only after its invocation tokens (aLoRA)' },
  { key: 'init_lora_weights', ok: (v) => v === undefined || PLAIN_INITS.includes(v), means: 'this initialisation also rewrites the base weights, so the adapter needs that rewritten base' },
];

/**
 * Parses adapter_config.json and rejects what SafeTune cannot apply faithfully: another PEFT method, another task,
 * DoRA, per-module ranks, biases, partial layers, ... Each error names the option and the file.
 * Missing fields take PEFT's LoraConfig defaults (r 8, lora_alpha 8, lora_dropout 0).
 *
 * @param where "adapter_config.json in <folder>", for messages.
 */
export function parseAdapterConfig(text: string, where: string): ParsedAdapterConfig {
  const fail = (message: string, hint: string): never => {
    throw new SafeTuneError('bad-adapter', `${where}: ${message}`, hint);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`is not valid JSON (${e instanceof Error ? e.message : String(e)})`, 'The file is damaged: export or download the adapter again.');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('is not a JSON object', 'The file is damaged: export or download the adapter again.');
  const c = raw as Record<string, unknown>;

  if (c['peft_type'] !== 'LORA') {
    fail(
      c['peft_type'] === undefined ? 'has no "peft_type"' : `has peft_type ${show(c['peft_type'])}, not "LORA"`,
      'SafeTune loads LoRA adapters only (PEFT LoraConfig); IA3, prefix tuning, LoHa, ... adapters cannot be used.',
    );
  }
  if (!nullish(c['task_type']) && c['task_type'] !== 'CAUSAL_LM') {
    fail(`has task_type ${show(c['task_type'])}, not "CAUSAL_LM"`, 'SafeTune adapts causal language models: use an adapter trained for text generation.');
  }
  for (const option of UNSUPPORTED_OPTIONS) {
    if (!option.ok(c[option.key])) {
      fail(
        `${option.key} is ${show(c[option.key])}: ${option.means}, which SafeTune does not support`,
        `Use an adapter trained as plain LoRA (default ${option.key}), or merge this one into its base model in PEFT ` +
          '(merge_and_unload) and load the merged model as a base.',
      );
    }
  }

  const r = c['r'] ?? 8;
  if (typeof r !== 'number' || !Number.isSafeInteger(r) || r <= 0) fail(`r is ${show(r)}, not a positive integer`, 'Fix the file by hand or export the adapter again.');
  const alpha = c['lora_alpha'] ?? 8;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) fail(`lora_alpha is ${show(alpha)}, not a positive number`, 'Fix the file by hand or export the adapter again.');
  const dropout = c['lora_dropout'] ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) fail(`lora_dropout is ${show(dropout)}, not a number in [0, 1)`, 'Fix the file by hand or export the adapter again.');
  const useRslora = c['use_rslora'] ?? false;
  if (typeof useRslora !== 'boolean') fail(`use_rslora is ${show(useRslora)}, not true or false`, 'Fix the file by hand or export the adapter again.');

  return {
    r: r as number,
    alpha: alpha as number,
    dropout: dropout as number,
    useRslora: useRslora as boolean,
    targetModules: c['target_modules'],
    excludeModules: c['exclude_modules'],
  };
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
