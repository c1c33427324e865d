import { SafeTuneError } from '../errors';

/** A (harmful request, refusal) pair: a safety anchor (its gradient defines the safety subspace) or a probe item. */
export interface SafetyPair {
  request: string;
  refusal: string;
}

/** SPF's gate: when the conflicting components are removed (SPF.md, step 4). */
export type SpfGate = 'global' | 'block' | 'direction' | 'always';

/** Safety-Preserving Fine-Tuning options, exactly as SPF.md names them; defaults in DEFAULT_SPF_OPTIONS. */
export interface SpfOptions {
  enabled: boolean; // true in the app; the CLI turns it on with --spf
  k: number; // 4: safety-subspace rank per block (capped at the LoRA rank)
  /** Power-iteration steps: `warm` when starting from the previous step's subspace, `cold` otherwise (3 / 8). */
  iters: { warm: number; cold: number };
  refreshEvery: number; // 1: recompute the safety gradient every N steps (the subspace is reused in between)
  gate: SpfGate; // 'global'
  /** Safety anchors; empty means the bundled default anchor. */
  anchors: SafetyPair[];
}

export const DEFAULT_SPF_OPTIONS: Readonly<SpfOptions> = {
  enabled: true,
  k: 4,
  iters: { warm: 3, cold: 8 },
  refreshEvery: 1,
  gate: 'global',
  anchors: [],
};

export const SPF_GATES: readonly SpfGate[] = ['global', 'block', 'direction', 'always'];

export function resolveSpfOptions(partial: Partial<SpfOptions>): SpfOptions {
  const o: SpfOptions = { ...DEFAULT_SPF_OPTIONS, ...partial, iters: { ...DEFAULT_SPF_OPTIONS.iters, ...partial.iters } };
  const int = (name: string, v: number, min: number, max = Infinity): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new SafeTuneError('bad-argument', `SPF ${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('k', o.k, 1, 16);
  int('warm iterations', o.iters.warm, 1, 64);
  int('cold iterations', o.iters.cold, 1, 64);
  int('refreshEvery', o.refreshEvery, 1);
  if (!SPF_GATES.includes(o.gate)) throw new SafeTuneError('bad-argument', `unknown SPF gate "${o.gate}"`, `use one of ${SPF_GATES.join(', ')}`);
  for (const [i, a] of o.anchors.entries()) {
    if (typeof a.request !== 'string' || typeof a.refusal !== 'string' || a.request.trim() === '' || a.refusal.trim() === '') {
      throw new SafeTuneError('bad-argument', `safety anchor ${i + 1} needs a non-empty "request" and "refusal"`);
    }
  }
  return o;
}
