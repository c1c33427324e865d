import type uPlot from 'uplot';
import type { MetricSeries, StepColumns, Variant } from '../store/metric-columns';
import { alignCurves, type Curve } from './align';
import type { ChartSpec } from './chart-spec';
import { smoothSeries } from './smooth';

/**
 * What each chart draws. Every curve has its own colour, and a curve keeps its colour across charts: SPF's training
 * loss blue, its validation loss purple; plain LoRA's training loss orange, its validation loss brown; past runs drawn
 * for comparison in greys and greens, dashed. `variants` lists the adapters the run trains: ['spf'], ['plain'] (SPF
 * off) or both (SPF with the plain-LoRA comparison), so the legend names only curves that can have points.
 */
const TRAIN: Record<Variant, string> = { spf: '#1f5fbf', plain: '#d9730d' };
const VALIDATION: Record<Variant, string> = { spf: '#7b3fb5', plain: '#8c564b' };
const ALARM = '#c62828';
const ACCURACY = '#2e7d32';
const OVERLAY = ['#6b7280', '#b58900', '#00838f', '#ec407a'];

const line = (label: string, stroke: string, extra: Partial<uPlot.Series> = {}): uPlot.Series => ({
  label,
  stroke,
  width: 2,
  spanGaps: true,
  points: { show: false },
  ...extra,
});

const NAMES: Record<Variant, string> = { spf: 'SPF', plain: 'plain LoRA' };

/** A past run drawn beside the current one: its id and its series. */
export interface Overlay {
  runId: string;
  series: MetricSeries;
}

export interface LossChartOptions {
  /** EMA weight for the training loss (0: raw); the raw curve stays, faint, under the smoothed one. */
  smoothing?: number;
  overlays?: readonly Overlay[];
}

/** A past run's name in a legend: "run 20261202-032110" (its id's date and time), or its id's start. */
export function overlayName(runId: string): string {
  const id = runId.replace(/^run-/, '');
  return `run ${/^\d{8}-\d{6}/.exec(id)?.[0] ?? id.slice(0, 16)}`;
}

/** The variant whose numbers represent a stored run: SPF's when it has SPF steps, else plain LoRA's. */
function overlayVariant(series: MetricSeries): Variant {
  return series.steps.spf.step.length > 0 ? 'spf' : 'plain';
}

export function lossChart(variants: readonly Variant[], options: LossChartOptions = {}): ChartSpec {
  const smoothing = options.smoothing ?? 0;
  const overlays = options.overlays ?? [];
  const smoothed = smoothing > 0;
  return {
    yLabel: 'loss',
    // Token accuracy (0-1) on its own axis: rising while the loss falls is the same learning seen another way.
    rightAxis: { scale: 'accuracy', label: 'token accuracy', range: [0, 1] },
    series: [
      ...variants.map((v) => line(`train (${NAMES[v]})${smoothed ? ', smoothed' : ''}`, TRAIN[v])),
      ...variants.map((v) => line(`validation (${NAMES[v]})`, VALIDATION[v], { dash: [6, 4], points: { show: true, size: 6 } })),
      ...(smoothed ? variants.map((v) => line(`train (${NAMES[v]}), raw`, `${TRAIN[v]}55`, { width: 1 })) : []),
      ...overlays.map((o, i) => line(`${overlayName(o.runId)} train`, OVERLAY[i % OVERLAY.length]!, { dash: [4, 4], width: 1.5 })),
      line(`token accuracy (validation, ${NAMES[variants[0]!]})`, ACCURACY, { scale: 'accuracy', points: { show: true, size: 5 } }),
    ],
    inputs: (s) => [s.series, s.overlays, s.accuracy],
    data: ({ series: { steps, evals }, accuracy }) =>
      alignCurves([
        ...variants.map((v) => ({ x: steps[v].step, y: smoothSeries(steps[v].loss, smoothing) })),
        ...variants.map((v) => ({ x: evals[v].step, y: evals[v].validationLoss })),
        ...(smoothed ? variants.map((v) => ({ x: steps[v].step, y: steps[v].loss })) : []),
        ...overlays.map((o) => {
          const c = o.series.steps[overlayVariant(o.series)];
          return { x: c.step, y: smoothSeries(c.loss, smoothing) };
        }),
        { x: accuracy.step, y: accuracy.value },
      ]),
  };
}

export function driftChart(variants: readonly Variant[], overlays: readonly Overlay[] = []): ChartSpec {
  return {
    yLabel: 'drift (nats)',
    series: [
      ...variants.map((v) => line(`drift (${NAMES[v]})`, TRAIN[v], { points: { show: true, size: 5 } })),
      line('alarm threshold', ALARM, { dash: [3, 3], width: 1 }),
      ...overlays.map((o, i) => line(`${overlayName(o.runId)} drift`, OVERLAY[i % OVERLAY.length]!, { dash: [4, 4], width: 1.5, points: { show: true, size: 4 } })),
    ],
    inputs: (s) => [s.series.evals, s.config?.guard.driftThreshold, s.overlays],
    data: (s) => {
      const { evals, steps } = s.series;
      // The threshold is a flat line from step 0 to the last step trained or drawn (spanGaps bridges the steps
      // between), so it is visible before the first drift point arrives.
      const lastStep = Math.max(
        ...variants.map((v) => Math.max(evals[v].step.at(-1) ?? 0, steps[v].step.at(-1) ?? 0)),
        ...overlays.map((o) => o.series.evals[overlayVariant(o.series)].step.at(-1) ?? 0),
        1,
      );
      const threshold = s.config?.guard.driftThreshold ?? Number.NaN;
      const past: Curve[] = overlays.map((o) => {
        const c = o.series.evals[overlayVariant(o.series)];
        return { x: c.step, y: c.decisionDrift };
      });
      return alignCurves([...variants.map((v) => ({ x: evals[v].step, y: evals[v].decisionDrift })), { x: [0, lastStep], y: [threshold, threshold] }, ...past]);
    },
  };
}

export const SPF_CHART: ChartSpec = {
  yLabel: 'value',
  yRange: [-1, 1],
  series: [
    // Short labels keep the legend to two lines; the caption and the chart's help say what each is.
    line('cos(G_t, G_s)', '#1f5fbf'),
    line('gate rate', '#2e7d32'),
    line('removed (gradient)', '#6a1b9a'),
    line('update cos', '#00838f', { dash: [6, 3] }),
    line('removed (update)', '#ad1457', { dash: [6, 3] }),
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

/** Learning rate (left axis) and the gradient norm before clipping (right axis) of the run's main adapter. */
export function optimizerChart(main: Variant): ChartSpec {
  return {
    yLabel: 'learning rate',
    yExponent: true,
    rightAxis: { scale: 'gradNorm', label: 'gradient norm' },
    series: [line('learning rate', '#37474f'), line('gradient norm', '#e65100', { scale: 'gradNorm' })],
    inputs: (s) => [s.series.steps[main]],
    data: ({ series }) => {
      const c: StepColumns = series.steps[main];
      return alignCurves([
        { x: c.step, y: c.lr },
        { x: c.step, y: c.gradNorm },
      ]);
    },
  };
}

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
