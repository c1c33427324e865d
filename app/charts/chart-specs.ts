import type uPlot from 'uplot';
import type { StepColumns, Variant } from '../store/metric-columns';
import { alignCurves } from './align';
import type { ChartSpec } from './chart-spec';

/**
 * What each chart draws. The SPF run and the plain-LoRA run share colours across charts: SPF blue, plain orange;
 * validation curves are dashed. `variants` lists the adapters the run trains: ['spf'], ['plain'] (SPF off) or both
 * (SPF with the plain-LoRA comparison), so the legend names only curves that can have points.
 */
const SPF = '#1f5fbf';
const PLAIN = '#d9730d';
const ALARM = '#c62828';

const line = (label: string, stroke: string, extra: Partial<uPlot.Series> = {}): uPlot.Series => ({
  label,
  stroke,
  width: 2,
  spanGaps: true,
  points: { show: false },
  ...extra,
});

const NAMES: Record<Variant, string> = { spf: 'SPF', plain: 'plain LoRA' };
const COLOURS: Record<Variant, string> = { spf: SPF, plain: PLAIN };

export function lossChart(variants: readonly Variant[]): ChartSpec {
  return {
    yLabel: 'loss',
    series: [
      ...variants.map((v) => line(`train (${NAMES[v]})`, COLOURS[v])),
      ...variants.map((v) => line(`validation (${NAMES[v]})`, COLOURS[v], { dash: [6, 4], points: { show: true, size: 5 } })),
    ],
    inputs: (s) => [s.series],
    data: ({ series: { steps, evals } }) =>
      alignCurves([
        ...variants.map((v) => ({ x: steps[v].step, y: steps[v].loss })),
        ...variants.map((v) => ({ x: evals[v].step, y: evals[v].validationLoss })),
      ]),
  };
}

export function driftChart(variants: readonly Variant[]): ChartSpec {
  return {
    yLabel: 'drift (nats)',
    series: [...variants.map((v) => line(`drift (${NAMES[v]})`, COLOURS[v], { points: { show: true, size: 5 } })), line('alarm threshold', ALARM, { dash: [3, 3], width: 1 })],
    inputs: (s) => [s.series.evals, s.config?.guard.driftThreshold],
    data: (s) => {
      const { evals, steps } = s.series;
      // The threshold is a flat line from step 0 to the last step trained (spanGaps bridges the steps between), so
      // it is visible before the first drift point arrives.
      const lastStep = Math.max(...variants.map((v) => Math.max(evals[v].step.at(-1) ?? 0, steps[v].step.at(-1) ?? 0)), 1);
      const threshold = s.config?.guard.driftThreshold ?? Number.NaN;
      return alignCurves([...variants.map((v) => ({ x: evals[v].step, y: evals[v].drift })), { x: [0, lastStep], y: [threshold, threshold] }]);
    },
  };
}

export const SPF_CHART: ChartSpec = {
  yLabel: 'value',
  yRange: [-1, 1],
  series: [
    line('cos(G_t, G_s)', SPF),
    line('gate rate (running)', '#2e7d32'),
    line('removed ‖·‖ fraction (gradient)', '#6a1b9a'),
    line('cos(−Δθ, G_s) of the applied update', '#00838f', { dash: [6, 3] }),
    line('removed ‖·‖ fraction (update)', '#ad1457', { dash: [6, 3] }),
  ],
  inputs: (s) => [s.series.steps.spf],
  data: ({ series }) => {
    const c = series.steps.spf;
    return alignCurves([
      { x: c.step, y: c.cos },
      { x: c.step, y: runningMean(c.gate) },
      { x: c.step, y: c.removed },
      { x: c.step, y: c.updateCos },
      { x: c.step, y: c.updateRemoved },
    ]);
  },
};

/** The fraction of steps so far on which the gate fired (gate is 0 or 1 per step; NaN steps are skipped). */
export function runningMean(values: readonly number[]): number[] {
  let sum = 0;
  let n = 0;
  return values.map((v) => {
    if (Number.isNaN(v)) return Number.NaN;
    sum += v;
    n++;
    return sum / n;
  });
}
