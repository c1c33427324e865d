import { SafeTuneError } from '../errors';
import { cappedDirections, MAX_K, SPF_GATES, type SpfGate } from '../kernels/spf-types';
import type { AnchorTokens } from './anchor-scope';

export { SPF_GATES, type SpfGate } from '../kernels/spf-types';

/** A (harmful request, refusal) pair: a safety anchor (its gradient defines the safety subspace) or a probe item. */
export interface SafetyPair {
  request: string;
  refusal: string;
}

/**
 * What SPF projects (SPF.md steps 5 and 6): 'update' = AdamW's update after its moments (what bounds the drift),
 * 'gradient' = the task gradient before AdamW (the paper's literal reading), 'both'.
 */
export type SpfProject = 'update' | 'gradient' | 'both';

export const SPF_PROJECTS: readonly SpfProject[] = ['update', 'gradient', 'both'];

/**
 * Safety-Preserving Fine-Tuning options, exactly as SPF.md names them. THE place of SPF's defaults (app, worker, CLI,
 * experiment and the kernels' callers all read DEFAULT_SPF_OPTIONS); README "SPF defaults and why" gives the reasons.
 */
export interface SpfOptions {
  enabled: boolean; // true in the app; the CLI turns it on with --spf
  /** Safety-subspace rank per block and per anchor: N anchors give up to N·k directions (capped at L and MAX_K). */
  k: number;
  /** Power-iteration steps: `warm` when starting from the previous step's subspace, `cold` otherwise (3 / 8). */
  iters: { warm: number; cold: number };
  refreshEvery: number; // 1: recompute the safety gradients every N steps (the subspace is reused in between)
  gate: SpfGate;
  project: SpfProject;
  /** Safety anchors; empty means the bundled default anchors. */
  anchors: SafetyPair[];
  /** Refusal tokens per anchor in the safety loss: the first N (1 = the refuse-or-comply decision) or 'all'. */
  anchorTokens: AnchorTokens;
  /**
   * Anchors per gradient: consecutive anchors share one gradient (of their token-weighted mean safety loss), so N
   * anchors give ⌈N / anchorsPerPass⌉ stacked gradients. 1 keeps every anchor's gradient separate (SPF.md step 2);
   * larger values trade subspace width for less work in the subspace. (The name is from when each gradient took a
   * backward pass of its own; now up to ANCHORS_PER_BATCH anchors share a pass whatever their grouping:
   * anchor-gradients.ts.)
   */
  anchorsPerPass: number;
}

export const DEFAULT_SPF_OPTIONS: Readonly<SpfOptions> = {
  enabled: true,
  k: 4,
  iters: { warm: 3, cold: 8 },
  refreshEvery: 1,
  // SPF.md's rule: the most refusals kept under attack at ≥ 95 % of plain LoRA's task utility, in the experiment's
  // sweeps (README "SPF defaults and why"; v2 demo model, 3 seeds, the benign run two epochs, plain LoRA 55.2 %).
  // With the two-token anchor loss 'always' kept the most under attack of the gates (66.1 %; 'global' 65.7, 'block'
  // 42.4, 'direction' 25.6 %; base 72.2 %) but only 'direction' kept the utility (57.1 %; 'always' 49.2 %); 'always'
  // with the whole-refusal loss kept both (57.8 % under attack, 53.6 % utility), so that pair is the default.
  gate: 'always',
  project: 'update',
  anchors: [],
  // The whole refusal (SPF.md's L_s): with the 'always' gate the only anchor loss that kept ≥ 95 % of plain LoRA's
  // utility (53.6 vs 55.2 %; the first two tokens 49.2, the first token 50.8), although the first two tokens keep more
  // refusals (66.1 vs 57.8 % under attack). With the benign run at 1.6 epochs the utilities ranked the other way (two
  // tokens 46.4, 'all' 45.2 of plain LoRA's 48.8 %): the choice sits within the seeds' spread either way.
  anchorTokens: 'all',
  anchorsPerPass: 1,
};

export function resolveSpfOptions(partial: Partial<SpfOptions>): SpfOptions {
  const o: SpfOptions = { ...DEFAULT_SPF_OPTIONS, ...partial, iters: { ...DEFAULT_SPF_OPTIONS.iters, ...partial.iters } };
  const int = (name: string, v: number, min: number, max = Infinity): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new SafeTuneError('bad-argument', `SPF ${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('k', o.k, 1, MAX_K);
  int('warm iterations', o.iters.warm, 1, 64);
  int('cold iterations', o.iters.cold, 1, 64);
  int('refreshEvery', o.refreshEvery, 1);
  if (!SPF_GATES.includes(o.gate)) throw new SafeTuneError('bad-argument', `unknown SPF gate "${o.gate}"`, `use one of ${SPF_GATES.join(', ')}`);
  if (!SPF_PROJECTS.includes(o.project)) throw new SafeTuneError('bad-argument', `unknown SPF projection "${o.project}"`, `use one of ${SPF_PROJECTS.join(', ')}`);
  if (o.anchorTokens !== 'all') int('anchorTokens', o.anchorTokens, 1, 4096);
  int('anchorsPerPass', o.anchorsPerPass, 1, 4096);
  for (const [i, a] of o.anchors.entries()) {
    if (typeof a.request !== 'string' || typeof a.refusal !== 'string' || a.request.trim() === '' || a.refusal.trim() === '') {
      throw new SafeTuneError('bad-argument', `safety anchor ${i + 1} needs a non-empty "request" and "refusal"`);
    }
  }
  return o;
}

/**
 * How wide SPF's safety subspace can get with `anchorCount` anchors: one stacked gradient per backward pass, k
 * directions per gradient, at most MAX_K in all (and, per block, at most its longer side L). With the defaults and the
 * four bundled anchors that is already 16 = MAX_K, so a larger k adds nothing there: say so where the run is described.
 */
export function subspaceWidth(o: Pick<SpfOptions, 'k' | 'anchorsPerPass'>, anchorCount: number): { gradients: number; directions: number } {
  const gradients = Math.ceil(anchorCount / o.anchorsPerPass);
  return { gradients, directions: cappedDirections(o.k, gradients) };
}

/** "k=4 × 4 anchor gradients = 16 directions per block at most", naming the cap when it binds. */
export function describeSpfWidth(o: Pick<SpfOptions, 'k' | 'anchorsPerPass'>, anchorCount: number): string {
  const { gradients, directions } = subspaceWidth(o, anchorCount);
  const capped = o.k * gradients > directions ? ` (capped: ${o.k * gradients} asked)` : '';
  return `k=${o.k} × ${gradients} anchor gradient${gradients === 1 ? '' : 's'} = ${directions} directions per block at most${capped}`;
}

/** Whether SPF projects the task gradient (step 5) / AdamW's update (step 6). */
export function projectsGradient(o: Pick<SpfOptions, 'project'>): boolean {
  return o.project !== 'update';
}

export function projectsUpdate(o: Pick<SpfOptions, 'project'>): boolean {
  return o.project !== 'gradient';
}
