import { formatMetric } from '../format';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';

/** Runs kept in this browser, newest first, with their final numbers; the interrupted one can be resumed. */
export function PastRuns() {
  const session = useSession();
  const runs = useApp((s) => s.pastRuns);
  const resumable = useApp((s) => s.resumableRunId);
  const live = useApp((s) => s.runStatus === 'running' || s.runStatus === 'paused');
  const exporting = useApp((s) => s.exporting !== undefined);
  if (runs.length === 0) return null;
  return (
    <section className="step" data-testid="past-runs">
      <h2>Runs in this browser</h2>
      <table className="runs">
        <thead>
          <tr>
            <th>Started</th>
            <th>Model</th>
            <th>Dataset</th>
            <th>SPF</th>
            <th>Status</th>
            <th>Steps</th>
            <th>Last loss</th>
            <th>Drift</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...runs].reverse().map((r) => (
            <tr key={r.runId} data-run-id={r.runId}>
              <td>{new Date(r.startedAt).toLocaleString()}</td>
              <td>{r.model}</td>
              <td>{r.dataset}</td>
              <td>{r.config.spf.enabled ? `on (k ${r.config.spf.k})` : 'off'}</td>
              <td>{r.status}</td>
              <td>
                {r.step} / {r.totalSteps}
              </td>
              <td>{formatMetric(r.last?.loss)}</td>
              <td>{formatMetric(r.last?.drift)}</td>
              <td className="run-actions">
                {r.runId === resumable && (
                  <button type="button" disabled={live} onClick={() => void session.resume(r.runId)}>
                    Resume
                  </button>
                )}
                <button type="button" className="link-button" disabled={exporting} title="The run's PEFT adapter, from its last checkpoint" onClick={() => void session.export('adapter', r.runId)}>
                  adapter
                </button>
                <button type="button" className="link-button" disabled={exporting} title="The run's configuration and every metric series, as JSON" onClick={() => void session.export('record', r.runId)}>
                  record
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
