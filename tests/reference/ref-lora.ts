/**
 * LoRA as PEFT's lora.Linear applies it: base(x) + scale * lora_B(lora_A(x)), with A [r, in] and B [out, r] and
 * scale = alpha / r (or alpha / sqrt(r) with use_rslora).
 */
import { SafeTuneError } from '../../engine/errors';
import { addScaledInPlace, matmulTransposed, type Rows } from './ref-ops';
import { checkTensor } from './ref-weights';
import type { RefLora, RefTensor } from './types';

/** The projections LoRA may adapt, as HF module paths below "model.layers.{i}.". */
export const LORA_TARGETS = [
  'self_attn.q_proj',
  'self_attn.k_proj',
  'self_attn.v_proj',
  'self_attn.o_proj',
  'mlp.gate_proj',
  'mlp.up_proj',
  'mlp.down_proj',
] as const;

export interface ScaledLora {
  A: RefTensor; // [r, in]
  B: RefTensor; // [out, r]
  scale: number;
}

export function loraScale(lora: Pick<RefLora, 'r' | 'alpha' | 'useRslora'>): number {
  return lora.useRslora ? lora.alpha / Math.sqrt(lora.r) : lora.alpha / lora.r;
}

function adapterError(message: string, hint: string): SafeTuneError {
  return new SafeTuneError('bad-adapter', `LoRA adapter: ${message}`, hint);
}

/**
 * Checks the adapter against the model's linear layers (`linearShapes`: module path -> [out, in]) and returns the
 * factors by module path. An adapter key that names no adaptable layer is an error: ignoring it would silently give
 * the base model's output for that layer.
 */
export function resolveLora(lora: RefLora | undefined, linearShapes: Map<string, [number, number]>): Map<string, ScaledLora> {
  const resolved = new Map<string, ScaledLora>();
  if (lora === undefined) return resolved;
  if (!Number.isInteger(lora.r) || lora.r <= 0) {
    throw adapterError(`r must be a positive integer, got ${lora.r}`, 'set r (lora rank) to e.g. 8');
  }
  if (!Number.isFinite(lora.alpha)) {
    throw adapterError(`alpha must be a finite number, got ${lora.alpha}`, 'set lora_alpha to e.g. 16');
  }
  const scale = loraScale(lora);
  for (const [path, { A, B }] of lora.modules) {
    const shape = linearShapes.get(path);
    if (shape === undefined) {
      throw adapterError(
        `module "${path}" is not an adaptable layer of this model`,
        `use "model.layers.{0..${linearShapes.size / LORA_TARGETS.length - 1}}.{${LORA_TARGETS.join(',')}}" without ".weight"`,
      );
    }
    const [outFeatures, inFeatures] = shape;
    checkTensor(`LoRA adapter: "${path}" A`, A, [lora.r, inFeatures]);
    checkTensor(`LoRA adapter: "${path}" B`, B, [outFeatures, lora.r]);
    resolved.set(path, { A, B, scale });
  }
  return resolved;
}

/** One HF linear layer with its optional LoRA: x [T, in] -> [T, out]. */
export function adaptedLinear(x: Rows, weight: RefTensor, bias: RefTensor | null, lora: ScaledLora | undefined): Rows {
  const y = matmulTransposed(x, weight, bias); // (T, out)
  if (lora === undefined) return y;
  const down = matmulTransposed(x, lora.A, null); // (T, r)
  const up = matmulTransposed(down, lora.B, null); // (T, out)
  addScaledInPlace(y, up, lora.scale);
  return y;
}
