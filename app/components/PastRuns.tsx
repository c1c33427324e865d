import type { RunSummary } from '../../workers/protocol';
import { formatDrift, formatMetric } from '../format';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';

/**
 * Runs kept in this browser, newest first: where each stands (and from which step it would resume), its last numbers,
 * and only the actions that exist for it: resume (the interrupted or paused one), its adapter (when a checkpoint holds
 * one), its record, and drawing its curves on the charts beside the current run.
 */
export function PastRuns() {
  const session = useSession();
  const runs = useApp((s) => s.pastRuns);
  const resumable = useApp((s) => s.resumableRunId);
  const live = useApp((s) => s.runStatus === 'running' || s.runStatus === 'paused' || s.runRequestPending);
  const currentRunId = useApp((s) => s.runId);
  const exporting = useApp((s) => s.exporting !== undefined);
  const overlays = useApp((s) => s.overlays);
  if (runs.length === 0) return null;
  return (
    <section className="step" data-testid="past-runs">
      <h2>Runs in this browser</h2>
      <div className="table-scroll">
        <table className="runs">
          <thead>
            <tr>
              <th>Started</th>
              <th>Model / dataset</th>
              <th>SPF</th>
              <th>State</th>
              <th>Last loss</th>
              <th>Drift</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {[...runs].reverse().map((r) => {
              const shown = overlays.some((o) => o.runId === r.runId);
              return (
                <tr key={r.runId} data-run-id={r.runId} data-status={r.status} data-checkpoint={r.checkpointStep ?? ''}>
                  <td>{new Date(r.startedAt).toLocaleString()}</td>
                  <td>
                    {r.model}
                    <br />
                    <span className="note">{r.dataset}</span>
                  </td>
                  <td>{r.config.spf.enabled ? `on (k ${r.config.spf.k})` : 'off'}</td>
                  <td data-testid="run-state">{describeState(r)}</td>
                  <td>{formatMetric(r.last?.loss)}</td>
                  <td>{formatDrift(r.last?.decisionDrift)}</td>
                  <td className="run-actions">
                    {r.runId === resumable && (
                      <button type="button" disabled={live} data-testid="past-run-resume" onClick={() => void session.resume(r.runId)}>
                        Resume from step {r.checkpointStep ?? 0}
                      </button>
                    )}
                    {r.checkpointStep !== undefined && (
                      <button type="button" className="link-button" disabled={exporting} data-testid="past-run-adapter" title="The run's PEFT adapter and model card, from its last checkpoint, as one zip" onClick={() => void session.export('adapter', r.runId)}>
                        adapter
                      </button>
                    )}
                    <button type="button" className="link-button" disabled={exporting} data-testid="past-run-record" title="The run's configuration and every metric series, as JSON in a zip" onClick={() => void session.export('record', r.runId)}>
                      record
                    </button>
                    {r.runId !== currentRunId && (
                      <button type="button" className="link-button" aria-pressed={shown} data-testid="past-run-overlay" onClick={() => void session.toggleOverlay(r.runId)}>
                        {shown ? 'hide from charts' : 'show on charts'}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Where a run stands, in words: its status, the step it reached, and the step its checkpoint holds. */
function describeState(r: RunSummary): string {
  const saved = r.checkpointStep === undefined ? 'no checkpoint' : `checkpoint at step ${r.checkpointStep}`;
  switch (r.status) {
    case 'done':
      return `finished, ${r.totalSteps} steps`;
    case 'stopped':
      return `stopped at step ${r.step} of ${r.totalSteps} (${saved})`;
    case 'error':
      return `failed at step ${r.step} of ${r.totalSteps}${r.reason === undefined ? '' : `: ${r.reason}`} (${saved})`;
    case 'paused':
      return `${r.reason?.startsWith('interrupted') === true ? 'interrupted' : 'paused'} at step ${r.step} of ${r.totalSteps} (${saved})`;
    case 'running':
      return `training, step ${r.step} of ${r.totalSteps}`;
    case 'idle':
      return 'not started';
  }
}
