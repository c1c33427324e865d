import { describe, expect, it } from 'vitest';
import { alignCurves } from '../../app/charts/align';
import { driftChart, lossChart, runningMean } from '../../app/charts/chart-specs';
import { createAppStore } from '../../app/store/app-store';
import { DEFAULT_RUN_CONFIG } from '../../engine/run/run-config';
import { appendBatch, emptySeries, last, mainVariant } from '../../app/store/metric-columns';
import type { EvalPoint, MetricPoint, RunConfig } from '../../workers/protocol';

const point = (variant: 'spf' | 'plain', step: number, loss: number, spf = true): MetricPoint => ({
  variant,
  step,
  loss,
  lr: 1e-4,
  gradNorm: 0.5,
  tokensPerSecond: 100,
  etaSeconds: 10,
  ...(spf ? { spf: { safetyLoss: 1, cos: -0.2, gate: 1, removed: 0.1, energy: 0.9, updateCos: 0.05, updateGate: 0.5, updateRemoved: 0.2 } } : {}),
});
// The whole refusal's drift is set apart from the decision's (×3) so a chart reading the wrong one fails.
const evalPoint = (variant: 'spf' | 'plain', step: number, decisionDrift: number): EvalPoint => ({ variant, step, probeLoss: 1 + 3 * decisionDrift, drift: 3 * decisionDrift, decisionLoss: 0.2 + decisionDrift, decisionDrift });

describe('metric series', () => {
  it('append batches column by column, per variant, keeping columns aligned', () => {
    let s = emptySeries();
    s = appendBatch(s, [point('spf', 1, 2.5), point('plain', 1, 2.6, false)], []);
    s = appendBatch(s, [point('spf', 2, 2.4)], [evalPoint('spf', 2, 0.01)]);
    expect(s.steps.spf.step).toEqual([1, 2]);
    expect(s.steps.spf.loss).toEqual([2.5, 2.4]);
    expect(s.steps.spf.cos).toEqual([-0.2, -0.2]);
    expect(s.steps.plain.step).toEqual([1]);
    expect(s.steps.plain.cos).toEqual([Number.NaN]); // no SPF metrics on a plain step, but the column stays aligned
    expect(s.evals.spf.decisionDrift).toEqual([0.01]);
    expect(s.evals.spf.drift).toEqual([0.03]);
    expect(s.evals.spf.validationLoss).toEqual([Number.NaN]);
    expect(last(s.steps.spf.loss)).toBe(2.4);
    expect(last([])).toBeUndefined();
  });

  it('give changed columns new arrays and leave untouched variants as they were', () => {
    const a = appendBatch(emptySeries(), [point('spf', 1, 2)], []);
    const b = appendBatch(a, [point('spf', 2, 1.9)], []);
    expect(b.steps.spf).not.toBe(a.steps.spf);
    expect(b.steps.plain).toBe(a.steps.plain);
    expect(b.evals).toEqual(a.evals);
    expect(a.steps.spf.step).toEqual([1]); // the old series is not mutated
  });

  it('replace points from a step on when a resumed run sends it again', () => {
    let s = emptySeries();
    s = appendBatch(s, [1, 2, 3, 4].map((i) => point('spf', i, 3 - i / 10)), [evalPoint('spf', 2, 0.1), evalPoint('spf', 4, 0.2)]);
    s = appendBatch(s, [point('spf', 3, 9), point('spf', 4, 8)], [evalPoint('spf', 4, 0.5)]);
    expect(s.steps.spf.step).toEqual([1, 2, 3, 4]);
    expect(s.steps.spf.loss).toEqual([2.9, 2.8, 9, 8]);
    expect(s.evals.spf.decisionDrift).toEqual([0.1, 0.5]);
    // A point stored before the decision drift was measured keeps its column aligned.
    s = appendBatch(s, [], [{ variant: 'spf', step: 6, probeLoss: 1.2, drift: 0.2 }]);
    expect(s.evals.spf.decisionDrift).toEqual([0.1, 0.5, Number.NaN]);
  });

  it("name the run's own variant: plain when SPF is off", () => {
    const config = (enabled: boolean) => ({ spf: { enabled } }) as RunConfig;
    expect(mainVariant(config(true))).toBe('spf');
    expect(mainVariant(config(false))).toBe('plain');
    expect(mainVariant(undefined)).toBe('spf');
  });
});

describe('chart data', () => {
  it('aligns curves sampled on different steps onto one x axis, with nulls for gaps and NaN', () => {
    const [x, a, b] = alignCurves([
      { x: [1, 2, 3], y: [10, Number.NaN, 30] },
      { x: [2, 4], y: [0.5, 0.7] },
    ]);
    expect(x).toEqual([1, 2, 3, 4]);
    expect(a).toEqual([10, null, 30, null]);
    expect(b).toEqual([null, 0.5, null, 0.7]);
    expect(alignCurves([])).toEqual([[]]);
  });

  it('turns per-step gate decisions into the running rate, skipping steps without one', () => {
    expect(runningMean([1, 0, Number.NaN, 1, 0])).toEqual([1, 0.5, Number.NaN, 2 / 3, 0.5]);
  });
});

describe('chart specs', () => {
  const store = createAppStore();
  store.getState().setEngineDefaults({ run: structuredClone(DEFAULT_RUN_CONFIG), anchors: [], wideAnchors: [], probe: [], refusalMaxNewTokens: 48 });
  store.getState().patchConfig('guard', { driftThreshold: 0.3 });
  store.getState().appendMetrics(
    'run-1',
    [1, 2, 3, 4, 5, 6].map((i) => point('spf', i, 3 - i / 10)),
    [evalPoint('spf', 0, 0), { ...evalPoint('spf', 5, 0.05), validationLoss: 2.5 }],
  );

  it("draw the refusal decision's drift of each trained adapter and the alarm threshold from step 0 to the last step trained", () => {
    const [x, drift, threshold] = driftChart(['spf']).data(store.getState());
    expect(x).toEqual([0, 5, 6]);
    expect(drift).toEqual([0, 0.05, null]);
    expect(threshold).toEqual([0.3, null, 0.3]); // bridged by spanGaps
    expect(driftChart(['spf', 'plain']).series.map((s) => s.label)).toEqual(['drift (SPF)', 'drift (plain LoRA)', 'alarm threshold']);
  });

  it('draw training and validation loss, naming only the adapters the run trains', () => {
    const spec = lossChart(['spf']);
    expect(spec.series.map((s) => s.label)).toEqual(['train (SPF)', 'validation (SPF)', 'token accuracy (validation, SPF)']);
    const [x, train, validation] = spec.data(store.getState());
    expect(x).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(train).toEqual([null, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4]);
    expect(validation).toEqual([null, null, null, null, null, 2.5, null]);
  });
});
