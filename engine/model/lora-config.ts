import { SafeTuneError } from '../errors';

export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** LoRA hyper-parameters, named as PEFT's LoraConfig names them. */
export interface LoraConfig {
  r: number; // 8: rank of the update B·A
  alpha: number; // 16: the update is scaled by alpha / r (or alpha / √r with rsLoRA)
  dropout: number; // 0 (PEFT default): dropout on the adapter's input while training; masks are drawn on the host, so > 0 costs CPU time per step
  targets: LoraTarget[]; // which projections of every layer get an adapter (default: all seven)
  useRslora: boolean; // rank-stabilised scaling alpha / √r
}

export const DEFAULT_LORA_CONFIG: Readonly<LoraConfig> = {
  r: 8,
  alpha: 16,
  dropout: 0,
  targets: [...LORA_TARGETS],
  useRslora: false,
};

export function loraScale(c: Pick<LoraConfig, 'r' | 'alpha' | 'useRslora'>): number {
  return c.useRslora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r;
}

export function validateLoraConfig(c: LoraConfig): LoraConfig {
  if (!Number.isInteger(c.r) || c.r <= 0) throw new SafeTuneError('bad-argument', `LoRA rank r must be a positive integer, got ${c.r}`);
  if (!(c.alpha > 0)) throw new SafeTuneError('bad-argument', `LoRA alpha must be positive, got ${c.alpha}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new SafeTuneError('bad-argument', `LoRA dropout must be in [0, 1), got ${c.dropout}`);
  if (c.targets.length === 0) throw new SafeTuneError('bad-argument', 'LoRA needs at least one target module', `choose from ${LORA_TARGETS.join(', ')}`);
  for (const t of c.targets) {
    if (!(LORA_TARGETS as readonly string[]).includes(t)) {
      throw new SafeTuneError('bad-argument', `unknown LoRA target module "${t}"`, `choose from ${LORA_TARGETS.join(', ')}`);
    }
  }
  return c;
}
