import { useSession } from '../session-context';
import { useApp } from '../store/app-store';

/** After a reload: the run the page was in the middle of, offered for resuming from its last checkpoint. */
export function ResumeBanner() {
  const session = useSession();
  const runId = useApp((s) => s.resumableRunId);
  const run = useApp((s) => s.pastRuns.find((r) => r.runId === s.resumableRunId));
  const live = useApp((s) => s.runStatus === 'running' || s.runStatus === 'paused');
  const ready = useApp((s) => s.workerStatus === 'ready');
  if (runId === undefined || run === undefined || live) return null;
  return (
    <div className="banner" role="status" data-testid="resume-banner" data-run-id={runId}>
      <p>
        A run was {run.reason?.startsWith('interrupted') === true ? 'interrupted' : 'paused'} at step {run.step} of {run.totalSteps} ({run.model}, {run.dataset}). Its
        checkpoint of step {run.checkpointStep ?? 0} is saved in this browser: resuming continues from there with the run's dataset and settings.
      </p>
      <button type="button" className="primary" disabled={!ready} data-testid="resume-run" onClick={() => void session.resume(runId)}>
        Resume it
      </button>
    </div>
  );
}
