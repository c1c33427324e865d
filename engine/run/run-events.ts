import type { EvalPoint, MetricPoint, RunStatus } from './run-types';

/**
 * What a TrainingRun reports while it trains. The worker posts these to the page as they are (they are members of
 * the protocol's WorkerEvent); the CLI prints them and appends them to metrics.jsonl.
 */
export type RunEvent =
  // batched (at most ~4 per second); replace: the run's whole series so far (sent on resume) — replace, don't append
  | { type: 'metrics'; runId: string; points: MetricPoint[]; evals: EvalPoint[]; replace?: boolean }
  | { type: 'runStatus'; runId: string; status: RunStatus; step: number; totalSteps: number; reason?: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };
