import { LORA_TARGETS, modulePath, type LoraTarget } from '../model/lora';

/** One adapted projection, as its HF module path names it: "model.layers.3.mlp.down_proj" is layer 3, down_proj. */
export interface ModuleRef {
  layer: number;
  target: LoraTarget;
}

const MODULE_PATH = /^model\.layers\.(0|[1-9]\d*)\.(self_attn|mlp)\.([a-z_]+)$/;

/**
 * The inverse of modulePath(): the layer and projection of an HF module path, or undefined for any other module
 * (embed_tokens, lm_head, a norm, a projection under the wrong group such as "mlp.q_proj").
 */
export function parseModulePath(path: string): ModuleRef | undefined {
  const m = MODULE_PATH.exec(path);
  if (m === null) return undefined;
  const target = m[3] as LoraTarget;
  if (!(LORA_TARGETS as readonly string[]).includes(target)) return undefined;
  const layer = Number(m[1]);
  if (!Number.isSafeInteger(layer) || modulePath(layer, target) !== path) return undefined;
  return { layer, target };
}

/** Targets in LORA_TARGETS order (q, k, v, o, gate, up, down): the one order adapters, files and optimizers use. */
export function canonicalTargetOrder(targets: Iterable<LoraTarget>): LoraTarget[] {
  const wanted = new Set(targets);
  return LORA_TARGETS.filter((t) => wanted.has(t));
}
