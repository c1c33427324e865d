import type { WorkerCommand } from '../protocol';
import type { WorkerState } from '../worker-state';
import { WorkerError } from '../worker-errors';

type RunSeriesCommand = Extract<WorkerCommand, { type: 'runSeries' }>;

/** A stored run's metric and eval series (the live one's when it is the current run), for the page's overlay of past runs. */
export async function runSeriesCommand(state: WorkerState, cmd: RunSeriesCommand): Promise<void> {
  const live = state.run !== undefined && state.run.runId === cmd.runId ? state.run.record : undefined;
  const record = live ?? (await state.storage.readRecord(cmd.runId));
  if (record === undefined) throw new WorkerError('not-ready', `there is no stored run ${cmd.runId}`, 'List the runs (listRuns) and pick one of those.');
  // Copies: a live record's arrays keep growing while the message is being cloned only in tests' in-process sinks.
  state.post({ type: 'runSeries', requestId: cmd.requestId, runId: record.runId, metrics: [...record.series.metrics], evals: [...record.series.evals] });
}
