import type { StateCreator } from 'zustand';
import type { AccuracyPoint, EvalPoint, MetricPoint, SampleGeneration } from '../../workers/protocol';
import type { AppState } from './app-store';
import { appendBatch, emptySeries, type MetricSeries } from './metric-columns';

export interface MetricsSlice {
  /** The current run's series. Charts read it through `subscribe`, not through React renders. */
  series: MetricSeries;
  /** The run the series belong to: a batch for another run (a stale worker message) is ignored. */
  seriesRunId: string | undefined;
  /** The worker's latest estimate of the time left, in seconds (not charted, so not a column). */
  lastEtaSeconds: number | undefined;
  /** Greedy token accuracy of the run's main adapter on the validation rows, at each evaluation (columns, step order). */
  accuracy: { step: number[]; value: number[] };
  /** The run's answers to its sample prompts, one entry per evaluation (step 0: before training), in step order. */
  samples: SampleGeneration[];
  /** Past runs drawn beside the current one, in the order they were added. */
  overlays: { runId: string; series: MetricSeries }[];

  resetSeries(runId: string): void;
  /** Appends a batch of the current run's points. */
  appendMetrics(runId: string, points: readonly MetricPoint[], evals: readonly EvalPoint[]): void;
  /** The run's whole series so far, as stored with it (sent on resume): it replaces whatever was shown. */
  replaceSeries(runId: string, stored: { points: readonly MetricPoint[]; evals: readonly EvalPoint[]; accuracy: readonly AccuracyPoint[]; samples: readonly SampleGeneration[] }): void;
  addSamples(runId: string, generation: SampleGeneration): void;
  addAccuracy(runId: string, step: number, accuracy: number): void;
  addOverlay(runId: string, points: readonly MetricPoint[], evals: readonly EvalPoint[]): void;
  removeOverlay(runId: string): void;
}

export const createMetricsSlice: StateCreator<AppState, [], [], MetricsSlice> = (set) => ({
  series: emptySeries(),
  seriesRunId: undefined,
  lastEtaSeconds: undefined,
  overlays: [],
  samples: [],
  accuracy: { step: [], value: [] },

  resetSeries: (runId) => set({ series: emptySeries(), seriesRunId: runId, lastEtaSeconds: undefined, samples: [], accuracy: { step: [], value: [] } }),
  // A resumed run evaluates a step again: its new answers replace the old ones.
  addSamples: (runId, generation) =>
    set((s) =>
      s.seriesRunId !== undefined && s.seriesRunId !== runId ? {} : { samples: [...s.samples.filter((g) => g.step < generation.step), generation] },
    ),
  replaceSeries: (runId, { points, evals, accuracy, samples }) =>
    set({
      series: appendBatch(emptySeries(), points, evals),
      seriesRunId: runId,
      lastEtaSeconds: points.at(-1)?.etaSeconds,
      accuracy: { step: accuracy.map((p) => p.step), value: accuracy.map((p) => p.accuracy) },
      samples: [...samples],
    }),
  appendMetrics: (runId, points, evals) =>
    set((s) => {
      if (s.seriesRunId !== undefined && s.seriesRunId !== runId) return {};
      if (points.length === 0 && evals.length === 0) return {};
      const eta = points.at(-1)?.etaSeconds;
      return { series: appendBatch(s.series, points, evals), seriesRunId: runId, lastEtaSeconds: eta ?? s.lastEtaSeconds };
    }),
  // A resumed run measures a step again: the new value replaces it and any later ones.
  addAccuracy: (runId, step, value) =>
    set((s) => {
      if (s.seriesRunId !== undefined && s.seriesRunId !== runId) return {};
      const keep = s.accuracy.step.filter((x) => x < step).length;
      return { accuracy: { step: [...s.accuracy.step.slice(0, keep), step], value: [...s.accuracy.value.slice(0, keep), value] } };
    }),
  addOverlay: (runId, points, evals) =>
    set((s) => ({ overlays: [...s.overlays.filter((o) => o.runId !== runId), { runId, series: appendBatch(emptySeries(), points, evals) }] })),
  removeOverlay: (runId) => set((s) => ({ overlays: s.overlays.filter((o) => o.runId !== runId) })),
});
