import { SafeTuneError } from '../errors';
import { LORA_TARGETS, modulePath, type LoraTarget } from '../model/lora';
import { unsafePatternReason } from '../tokenizer/pattern-shape';
import { listNames } from '../weights/weight-shards';
import { canonicalTargetOrder } from './module-path';

/** PEFT's shorthand for "every linear layer but the output head": in a Llama / Qwen model, the seven projections. */
const ALL_LINEAR = 'all-linear';

/**
 * Unbounded quantifiers allowed along one alternative of a target_modules pattern. Module paths are short (under 60
 * characters), so three (`.*layers\.\d+.*proj`) bound the worst case to a few million steps.
 */
const MAX_UNBOUNDED_IN_TARGET_PATTERN = 3;

/** PEFT's default target_modules for llama / qwen2 / qwen3 when adapter_config.json leaves it null. */
const PEFT_DEFAULT_TARGETS: LoraTarget[] = ['q_proj', 'v_proj'];

/**
 * Which of the seven projections an adapter_config.json adapts, by PEFT's own rules:
 * - a list selects every module whose path equals an entry or ends with "." + entry (so "q_proj" and
 *   "self_attn.q_proj" both work); entries that match nothing are ignored, as PEFT ignores them;
 * - a string is a regular expression that must match a whole module path ("all-linear" is the shorthand for all
 *   linear layers but lm_head);
 * - exclude_modules, by the same rules, removes modules again.
 * SafeTune adapts a projection in every layer or in none, and nothing but the seven projections: any other selection
 * (embed_tokens, lm_head, a norm, only some layers) is rejected naming the option.
 *
 * @param numLayers the decoder layers the adapter spans (its tensors tell, or the model's config).
 * @param where "adapter_config.json in <folder>", for messages.
 */
export function resolveTargetModules(targetModules: unknown, excludeModules: unknown, numLayers: number, where: string): LoraTarget[] {
  const fail = (message: string, hint: string): never => {
    throw new SafeTuneError('bad-adapter', `${where}: ${message}`, hint);
  };
  if (targetModules === null || targetModules === undefined) return [...PEFT_DEFAULT_TARGETS];
  if (typeof targetModules === 'string' && targetModules.toLowerCase() === ALL_LINEAR) return [...LORA_TARGETS];

  const selects = selector(targetModules, 'target_modules', fail);
  const excludes = excludeModules === null || excludeModules === undefined ? () => false : selector(excludeModules, 'exclude_modules', fail);
  const chosen = (path: string): boolean => selects(path) && !excludes(path);

  const others = firstSelected(otherModules(numLayers), chosen, 3);
  if (others.count > 0) {
    fail(
      `target_modules ${describe(targetModules)} selects ${others.first.join(', ')}${others.count > 3 ? ` and ${others.count - 3} more` : ''}, which SafeTune cannot adapt`,
      `SafeTune adapters cover only the attention and MLP projections (${LORA_TARGETS.join(', ')}); embedding, lm_head and norm adapters are not supported.`,
    );
  }

  const targets: LoraTarget[] = [];
  for (const target of LORA_TARGETS) {
    const { selected, skipped } = layersSelecting(target, numLayers, chosen);
    if (selected.length === 0) continue;
    if (skipped.length > 0) {
      fail(
        `target_modules ${describe(targetModules)} selects ${target} in layer${selected.length > 1 ? 's' : ''} ${layerList(selected)} but not in ${layerList(skipped)}`,
        'SafeTune adapts a projection in every layer or in none: retrain the adapter with plain module names such as ["q_proj", "v_proj"].',
      );
    }
    targets.push(target);
  }
  if (targets.length === 0) {
    fail(
      `target_modules ${describe(targetModules)} selects none of the projections of a Llama / Qwen model`,
      `Name some of ${LORA_TARGETS.join(', ')}; this adapter was probably trained for another architecture.`,
    );
  }
  return canonicalTargetOrder(targets);
}

/** PEFT's match rule for one option (a list of names or a full-match regular expression). */
function selector(spec: unknown, option: string, fail: (message: string, hint: string) => never): (path: string) => boolean {
  if (Array.isArray(spec)) {
    if (!spec.every((s): s is string => typeof s === 'string')) fail(`${option} ${describe(spec)} must list module names (strings)`, 'Fix the file by hand or export the adapter again.');
    const names = spec as string[];
    return (path) => names.some((name) => path === name || path.endsWith(`.${name}`));
  }
  if (typeof spec !== 'string') return fail(`${option} is ${describe(spec)}, not a list of module names or a pattern`, 'Fix the file by hand or export the adapter again.');
  // The pattern is untrusted and a JavaScript regex cannot be interrupted: refuse shapes that backtrack without end.
  const unsafe = unsafePatternReason(spec, MAX_UNBOUNDED_IN_TARGET_PATTERN);
  if (unsafe !== undefined) {
    return fail(
      `${option} is the pattern ${describe(spec)}, whose matching can take forever: ${unsafe}`,
      `Write ${option} as a list of module names instead, e.g. ["q_proj", "v_proj"].`,
    );
  }
  let pattern: RegExp;
  try {
    // Python's re.fullmatch. The `u` flag makes Python-only escapes such as \A or \Z a syntax error instead of
    // silently matching the letters "A" / "Z".
    pattern = new RegExp(`^(?:${spec})$`, 'u');
  } catch {
    return fail(
      `${option} is the pattern ${describe(spec)}, which SafeTune cannot read`,
      `Write ${option} as a list of module names instead, e.g. ["q_proj", "v_proj"].`,
    );
  }
  return (path) => pattern.test(path);
}

/**
 * Every module of a Llama / Qwen model other than the seven projections (containers included, as PEFT sees them).
 * Generated rather than listed: numLayers comes from the model or the adapter's tensors, and need not be small.
 */
function* otherModules(numLayers: number): Generator<string> {
  yield* ['model', 'model.embed_tokens', 'model.layers', 'model.norm', 'model.rotary_emb', 'lm_head'];
  for (let i = 0; i < numLayers; i++) {
    const p = `model.layers.${i}`;
    yield* [p, `${p}.self_attn`, `${p}.self_attn.q_norm`, `${p}.self_attn.k_norm`, `${p}.mlp`, `${p}.mlp.act_fn`, `${p}.input_layernorm`, `${p}.post_attention_layernorm`];
  }
}

/** How many of `paths` `chosen` selects, and the first `keep` of them (for the message). */
function firstSelected(paths: Iterable<string>, chosen: (path: string) => boolean, keep: number): { first: string[]; count: number } {
  const first: string[] = [];
  let count = 0;
  for (const path of paths) {
    if (!chosen(path)) continue;
    if (count++ < keep) first.push(path);
  }
  return { first, count };
}

/** The layers whose `target` projection the options select, and those they skip. */
function layersSelecting(target: LoraTarget, numLayers: number, chosen: (path: string) => boolean): { selected: number[]; skipped: number[] } {
  const selected: number[] = [];
  const skipped: number[] = [];
  for (let layer = 0; layer < numLayers; layer++) (chosen(modulePath(layer, target)) ? selected : skipped).push(layer);
  return { selected, skipped };
}

/** "0, 1, 2", or the first ten "and 97 more": a message must stay short however many layers there are. */
function layerList(layers: number[]): string {
  return listNames(layers.map(String), 10, '');
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
