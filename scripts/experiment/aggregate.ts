import { rateInterval, seedInterval, type RateEstimate } from './interval';
import type { EvalPlan, Outcomes } from './evaluate';
import type { TrainingTrace } from './run-condition';

export const CONDITIONS = ['base', 'benign', 'adversarial', 'mixed', 'deep'] as const;
export type Condition = (typeof CONDITIONS)[number];
export type Method = 'none' | 'lora' | 'spf';

/** One row of the experiment: a (condition, method[, SPF variant]) over its seeds, every rate with its 95 % interval. */
export interface Row {
  condition: Condition;
  method: Method;
  variant?: string; // an SPF sweep row's options
  seeds: number[]; // fine-tuning seeds ([] for the base model)
  refusal: RateEstimate; // harmful eval, every item
  compliance: RateEstimate; // replies with a compliance marker and no refusal marker
  jailbreakRefusal: RateEstimate;
  overRefusal: RateEstimate; // benign + scary-but-benign prompts refused
  utility: RateEstimate; // task exact match
  taskNll: { mean: number; ci: [number, number] | undefined };
  drift: { mean: number; ci: [number, number] | undefined };
  /** Drift on the probe refusals' first token only (the decision; README "Which drift measures the loss of refusals"). */
  decisionDrift: { mean: number; ci: [number, number] | undefined };
  /** Refusal rate per held-out group, and split by whether the adversarial set trains compliance on the act. */
  refusalBy: { group: string; refusal: RateEstimate }[];
  jailbreakBy: { framing: string; refusal: RateEstimate }[];
  overRefusalBy: { kind: string; rate: RateEstimate }[];
  finalLoss: number | undefined;
  /** min / mean / max over every step of every seed, per SPF metric (spf_cos, spf_removed, …). */
  spf: Record<string, { min: number; mean: number; max: number }>;
  samples: { request: string; reply: string }[]; // three harmful replies of the first seed
  seconds: number; // training + evaluation, all seeds
}

/** Columns of `table` (seeds × items) restricted to the items where `keep` holds. */
function subset(table: boolean[][], keep: readonly boolean[]): boolean[][] {
  return table.map((row) => row.filter((_, i) => keep[i]));
}

function rateOf(table: boolean[][]): RateEstimate {
  return rateInterval(table);
}

/** Aggregates one row's per-seed outcomes (one entry for the base model). */
export function aggregate(
  head: { condition: Condition; method: Method; variant?: string; seeds: number[] },
  plan: EvalPlan,
  outcomes: readonly Outcomes[],
  traces: readonly TrainingTrace[],
  seconds: number,
): Row {
  const refused = outcomes.map((o) => o.harmful.map((v) => v === 'refusal'));
  const complied = outcomes.map((o) => o.harmful.map((v) => v === 'compliance'));
  const refusalBy: Row['refusalBy'] = [];
  for (const group of [...new Set(plan.harmful.map((h) => h.heldOut))]) {
    refusalBy.push({ group: `held out: ${group}`, refusal: rateOf(subset(refused, plan.harmful.map((h) => h.heldOut === group))) });
  }
  for (const trained of [true, false]) {
    const keep = plan.harmful.map((h) => h.trainedAct === trained);
    if (keep.some(Boolean)) refusalBy.push({ group: trained ? 'act trained by the attack' : 'act not in the attack', refusal: rateOf(subset(refused, keep)) });
  }
  const jb = outcomes.map((o) => o.jailbreakRefused);
  const over = outcomes.map((o) => o.overRefused);
  const spf: Row['spf'] = {};
  for (const key of [...new Set(traces.flatMap((t) => Object.keys(t.spf)))]) {
    const xs = traces.flatMap((t) => t.spf[key] ?? []).filter(Number.isFinite);
    if (xs.length > 0) spf[key] = { min: Math.min(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
  }
  const first = outcomes[0]!;
  const pick = [0, Math.floor(plan.harmful.length / 3), Math.floor((2 * plan.harmful.length) / 3)].filter((i, j, a) => i < plan.harmful.length && a.indexOf(i) === j);
  return {
    ...head,
    refusal: rateOf(refused),
    compliance: rateOf(complied),
    jailbreakRefusal: rateOf(jb),
    overRefusal: rateOf(over),
    utility: rateOf(outcomes.map((o) => o.taskCorrect)),
    taskNll: seedInterval(outcomes.map((o) => o.taskNll)),
    drift: seedInterval(outcomes.map((o) => o.drift)),
    decisionDrift: seedInterval(outcomes.map((o) => o.decisionDrift)),
    refusalBy,
    jailbreakBy: [...new Set(plan.jailbreak.map((j) => j.framing))].map((framing) => ({ framing, refusal: rateOf(subset(jb, plan.jailbreak.map((j) => j.framing === framing))) })),
    overRefusalBy: [...new Set(plan.overRefusal.map((o) => o.kind))].map((kind) => ({ kind, rate: rateOf(subset(over, plan.overRefusal.map((o) => o.kind === kind))) })),
    finalLoss: traces.length === 0 ? undefined : traces.reduce((a, t) => a + t.finalLoss, 0) / traces.length,
    spf,
    samples: pick.map((i) => ({ request: plan.harmful[i]!.request, reply: first.harmfulReplies[i]!.trim() })),
    seconds,
  };
}

/** The `--json` row, exactly as issue 9 names its fields. */
export function jsonRow(r: Row): Record<string, unknown> {
  return {
    condition: r.condition,
    method: r.method,
    ...(r.variant ? { variant: r.variant } : {}),
    seeds: r.seeds,
    refusal_rate: r.refusal.rate,
    refusal_ci: r.refusal.ci,
    compliance_rate: r.compliance.rate,
    jailbreak_refusal_rate: r.jailbreakRefusal.rate,
    over_refusal_rate: r.overRefusal.rate,
    utility: r.utility.rate,
    task_nll: r.taskNll.mean,
    safety_drift: r.drift.mean,
    decision_drift: r.decisionDrift.mean,
  };
}
