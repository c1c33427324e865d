import { parseModulePath, type ModuleRef } from './module-path';

/** Which of the two LoRA factors: A [r, in] (PEFT lora_A.weight) or B [out, r] (PEFT lora_B.weight). */
export type LoraFactor = 'A' | 'B';

/** PeftModel wraps the transformers model twice (PeftModel.base_model = LoraModel, LoraModel.model = the model). */
export const PEFT_KEY_PREFIX = 'base_model.model.';

/** The key PEFT's save_pretrained writes: "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight". */
export function peftTensorName(path: string, factor: LoraFactor): string {
  return `${PEFT_KEY_PREFIX}${path}.lora_${factor}.weight`;
}

export interface PeftTensorKey extends ModuleRef {
  path: string; // HF module path, e.g. "model.layers.0.self_attn.q_proj"
  factor: LoraFactor;
}

// Two variants besides the canonical key are accepted because the PEFT ecosystem itself loads them:
// - no "base_model.model." prefix: transformers' load_adapter (its PEFT integration) strips the prefix when present
//   and takes keys without it as they are;
// - ".default" before ".weight": PEFT's set_peft_model_state_dict leaves a key that already carries an adapter name
//   untouched, so "lora_A.default.weight" loads into the default adapter. Other adapter names would load nowhere
//   under PEFT's default name, so they are not accepted.
const PEFT_KEY = /^(?:base_model\.model\.)?(.+)\.lora_(A|B)(?:\.default)?\.weight$/;

/** The module and factor a tensor key of adapter_model.safetensors stands for, or undefined for any other tensor. */
export function parsePeftTensorName(key: string): PeftTensorKey | undefined {
  const m = PEFT_KEY.exec(key);
  if (m === null) return undefined;
  const path = m[1]!;
  const ref = parseModulePath(path);
  if (ref === undefined) return undefined;
  return { ...ref, path, factor: m[2] as LoraFactor };
}
