import type { AccuracyPoint, EvalPoint, MetricPoint, RunStatus, SampleGeneration } from './run-types';

/**
 * What a TrainingRun reports while it trains. The worker posts these to the page as they are (they are members of
 * the protocol's WorkerEvent); the CLI prints them and appends them to metrics.jsonl.
 */
export type RunEvent =
  // batched (at most ~4 per second); replace: the run's whole series so far (sent on resume) — replace, don't append —
  // then with the stored token accuracy and sample answers too
  | { type: 'metrics'; runId: string; points: MetricPoint[]; evals: EvalPoint[]; replace?: boolean; accuracy?: AccuracyPoint[]; samples?: SampleGeneration[] }
  // after an evaluation, what the host measured of the main adapter (engine/run/run-host.ts onEvaluated)
  | { type: 'tokenAccuracy'; runId: string; step: number; accuracy: number }
  | { type: 'samples'; runId: string; generation: SampleGeneration }
  | { type: 'runStatus'; runId: string; status: RunStatus; step: number; totalSteps: number; reason?: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };
