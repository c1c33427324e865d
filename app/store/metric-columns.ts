import type { EvalPoint, MetricPoint, RunConfig } from '../../workers/protocol';

/**
 * A run's metric series, column by column (one array per quantity, index = point), which is the layout uPlot draws
 * from without copying. SPF columns hold NaN on steps without SPF metrics so every column stays aligned with `step`.
 */
export interface StepColumns {
  step: number[];
  loss: number[];
  lr: number[];
  gradNorm: number[];
  tokensPerSecond: number[];
  safetyLoss: number[];
  cos: number[];
  gate: number[];
  removed: number[];
  updateCos: number[];
  updateRemoved: number[];
}

export interface EvalColumns {
  step: number[];
  validationLoss: number[]; // NaN when the run has no validation split
  probeLoss: number[];
  drift: number[]; // the whole refusal's
  decisionDrift: number[]; // the refusal decision's (what the chart and the guard use); NaN where not measured
}

export type Variant = MetricPoint['variant'];

export interface MetricSeries {
  steps: Record<Variant, StepColumns>;
  evals: Record<Variant, EvalColumns>;
}

/** The variant a run's own adapter reports as: 'spf' with SPF on, 'plain' when the run itself is plain LoRA. */
export function mainVariant(config: RunConfig | undefined): Variant {
  return config?.spf.enabled === false ? 'plain' : 'spf';
}

export function emptySeries(): MetricSeries {
  const steps = (): StepColumns => ({ step: [], loss: [], lr: [], gradNorm: [], tokensPerSecond: [], safetyLoss: [], cos: [], gate: [], removed: [], updateCos: [], updateRemoved: [] });
  const evals = (): EvalColumns => ({ step: [], validationLoss: [], probeLoss: [], drift: [], decisionDrift: [] });
  return { steps: { spf: steps(), plain: steps() }, evals: { spf: evals(), plain: evals() } };
}

/**
 * A new series with one worker batch appended. Columns that receive points are new arrays (so subscribers comparing
 * references see the change); untouched variants keep theirs. A step already present (a resumed run replays from
 * its checkpoint) replaces the later points instead of drawing a zig-zag.
 */
export function appendBatch(series: MetricSeries, points: readonly MetricPoint[], evals: readonly EvalPoint[]): MetricSeries {
  const steps = { ...series.steps };
  const evalCols = { ...series.evals };
  for (const variant of ['spf', 'plain'] as const) {
    const mine = points.filter((p) => p.variant === variant);
    if (mine.length > 0) steps[variant] = appendSteps(series.steps[variant], mine);
    const mineEvals = evals.filter((e) => e.variant === variant);
    if (mineEvals.length > 0) evalCols[variant] = appendEvals(series.evals[variant], mineEvals);
  }
  return { steps, evals: evalCols };
}

function appendSteps(cols: StepColumns, points: readonly MetricPoint[]): StepColumns {
  const first = points[0]!.step;
  const keep = cutAt(cols.step, first);
  const take = (column: number[], value: (p: MetricPoint) => number) => [...column.slice(0, keep), ...points.map(value)];
  return {
    step: take(cols.step, (p) => p.step),
    loss: take(cols.loss, (p) => p.loss),
    lr: take(cols.lr, (p) => p.lr),
    gradNorm: take(cols.gradNorm, (p) => p.gradNorm),
    tokensPerSecond: take(cols.tokensPerSecond, (p) => p.tokensPerSecond),
    safetyLoss: take(cols.safetyLoss, (p) => p.spf?.safetyLoss ?? Number.NaN),
    cos: take(cols.cos, (p) => p.spf?.cos ?? Number.NaN),
    gate: take(cols.gate, (p) => p.spf?.gate ?? Number.NaN),
    removed: take(cols.removed, (p) => p.spf?.removed ?? Number.NaN),
    updateCos: take(cols.updateCos, (p) => p.spf?.updateCos ?? Number.NaN),
    updateRemoved: take(cols.updateRemoved, (p) => p.spf?.updateRemoved ?? Number.NaN),
  };
}

function appendEvals(cols: EvalColumns, points: readonly EvalPoint[]): EvalColumns {
  const keep = cutAt(cols.step, points[0]!.step);
  const take = (column: number[], value: (p: EvalPoint) => number) => [...column.slice(0, keep), ...points.map(value)];
  return {
    step: take(cols.step, (p) => p.step),
    validationLoss: take(cols.validationLoss, (p) => p.validationLoss ?? Number.NaN),
    probeLoss: take(cols.probeLoss, (p) => p.probeLoss),
    drift: take(cols.drift, (p) => p.drift),
    decisionDrift: take(cols.decisionDrift, (p) => p.decisionDrift ?? Number.NaN),
  };
}

/** How many existing points come before `step` (steps are increasing). */
function cutAt(steps: readonly number[], step: number): number {
  let keep = steps.length;
  while (keep > 0 && steps[keep - 1]! >= step) keep--;
  return keep;
}

/** The last value of a column, or undefined when it is empty. */
export function last(column: readonly number[]): number | undefined {
  return column.length === 0 ? undefined : column[column.length - 1];
}
