import type { RunSummary, WorkerCommand } from '../protocol';
import { mainVariant } from '../../engine/run/run-config';
import { isResumable, summarizeRun } from '../../engine/run/run-record';
import type { WorkerState } from '../worker-state';

type ListRunsCommand = Extract<WorkerCommand, { type: 'listRuns' }>;

/**
 * The stored runs, newest first, and the newest one that can be resumed (paused, or interrupted while training, with
 * a checkpoint) — never the run training right now. A damaged record is skipped with a warning.
 */
export async function listRunsCommand(state: WorkerState, cmd: ListRunsCommand): Promise<void> {
  const runs: RunSummary[] = [];
  let resumable: string | undefined;
  for (const runId of (await state.storage.runIds()).reverse()) {
    try {
      const active = state.run?.isActive === true && state.run.runId === runId;
      const record = active ? state.run!.record : await state.storage.readRecord(runId);
      if (record === undefined) continue;
      const summary = summarizeRun(record, mainVariant(record.config));
      // A stored "running" run that is not training here was interrupted (the tab closed mid-run).
      runs.push(!active && record.status === 'running' ? { ...summary, status: 'paused', reason: 'interrupted: the page was closed while it trained' } : summary);
      if (resumable === undefined && !active && isResumable(record)) resumable = runId;
    } catch (e) {
      state.post({ type: 'log', level: 'warn', message: `run ${runId} is skipped: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  state.post({ type: 'runs', requestId: cmd.requestId, runs, ...(resumable === undefined ? {} : { resumable }) });
}
