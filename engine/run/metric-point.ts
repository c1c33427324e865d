import { SPF_METRICS } from '../safety/safety-projector';
import type { StepStats } from '../train/trainer';
import type { MetricPoint } from './run-types';
import type { Variant } from './run-types';

/** One trainer step as the charts plot it; the SPF numbers only when the step ran the safety projector. */
export function metricPoint(variant: Variant, stats: StepStats, tokensPerSecond: number, etaSeconds: number): MetricPoint {
  const x = stats.extra;
  const spf =
    x[SPF_METRICS.cos] === undefined
      ? undefined
      : {
          safetyLoss: x[SPF_METRICS.safetyLoss] ?? Number.NaN,
          cos: x[SPF_METRICS.cos] ?? Number.NaN,
          gate: x[SPF_METRICS.gate] ?? Number.NaN,
          removed: x[SPF_METRICS.removed] ?? Number.NaN,
          energy: x[SPF_METRICS.energy] ?? Number.NaN,
          updateCos: x[SPF_METRICS.updateCos] ?? Number.NaN,
          updateGate: x[SPF_METRICS.updateGate] ?? Number.NaN,
          updateRemoved: x[SPF_METRICS.updateRemoved] ?? Number.NaN,
        };
  return {
    variant,
    step: stats.step,
    loss: stats.loss,
    lr: stats.lr,
    gradNorm: stats.gradNorm,
    tokensPerSecond,
    etaSeconds,
    ...(spf === undefined ? {} : { spf }),
  };
}

/** The point's SPF numbers by their metrics.jsonl names (engine SPF_METRICS: `spf_cos`, `spf_update_cos`, …); NaN ones left out. */
export function spfMetricsByName(point: MetricPoint): Record<string, number> {
  const s = point.spf;
  if (s === undefined) return {};
  const named: [string, number][] = [
    [SPF_METRICS.safetyLoss, s.safetyLoss],
    [SPF_METRICS.cos, s.cos],
    [SPF_METRICS.gate, s.gate],
    [SPF_METRICS.removed, s.removed],
    [SPF_METRICS.energy, s.energy],
    [SPF_METRICS.updateCos, s.updateCos],
    [SPF_METRICS.updateGate, s.updateGate],
    [SPF_METRICS.updateRemoved, s.updateRemoved],
  ];
  return Object.fromEntries(named.filter(([, v]) => !Number.isNaN(v)));
}

/** The names of a point's numbers that are NaN or infinite (a diverged step), empty when all are finite. */
export function nonFiniteFields(point: MetricPoint): string[] {
  const fields: [string, number][] = [
    ['loss', point.loss],
    ['gradNorm', point.gradNorm],
    // updateGate / updateRemoved are NaN by design when the update is not projected: not a sign of divergence.
    ...Object.entries(point.spf ?? {})
      .filter(([k, v]) => !((k === 'updateGate' || k === 'updateRemoved') && Number.isNaN(v)))
      .map(([k, v]): [string, number] => [`spf.${k}`, v]),
  ];
  return fields.filter(([, v]) => !Number.isFinite(v)).map(([k]) => k);
}
