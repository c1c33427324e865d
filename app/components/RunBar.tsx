import type { RunStatus } from '../../workers/protocol';
import { formatDrift, formatDuration, formatMetric, formatTokenRate } from '../format';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';
import { last, mainVariant } from '../store/metric-columns';
import { ErrorMessage } from './ErrorMessage';

/**
 * The run bar, pinned at the top of the run column: status, step, loss, drift, speed, time left and the controls, so
 * they stay in sight while settings are changed or the charts are read. The numbers are the last points of the series
 * the worker sent (the charts draw the same series), so what the bar says is what was measured.
 */
export function RunBar() {
  const session = useSession();
  const status = useApp((s) => s.runStatus);
  const runId = useApp((s) => s.runId);
  const reason = useApp((s) => s.statusReason);
  const error = useApp((s) => s.runError);
  const canStart = useApp((s) => s.workerStatus === 'ready' && s.modelStatus === 'ready' && s.datasetStatus === 'ready' && s.config !== undefined);
  const pending = useApp((s) => s.runRequestPending);
  const deviceLost = useApp((s) => s.deviceLost);
  const totalSteps = useApp((s) => s.totalSteps);
  const statusStep = useApp((s) => s.step);
  const lastStep = useApp((s) => last(s.series.steps[mainVariant(s.config)].step));
  const loss = useApp((s) => last(s.series.steps[mainVariant(s.config)].loss));
  const tokensPerSecond = useApp((s) => last(s.series.steps[mainVariant(s.config)].tokensPerSecond));
  const drift = useApp((s) => last(s.series.evals[mainVariant(s.config)].decisionDrift));
  const plainDrift = useApp((s) => (mainVariant(s.config) === 'spf' && s.config?.compareWithPlain === true ? last(s.series.evals.plain.decisionDrift) : undefined));
  const eta = useApp((s) => s.lastEtaSeconds);
  const live = status === 'running' || status === 'paused' || pending;
  const step = Math.max(lastStep ?? 0, statusStep);
  // Before the first step the worker measures the probe's baseline and compiles every GPU kernel of a training step:
  // many seconds on a software GPU with nothing on the charts, so the bar names it.
  const warmingUp = (status === 'running' || pending) && lastStep === undefined;

  return (
    <section className="run-bar" data-testid="step-train" aria-label="Training run">
      <div className="run-bar-row">
        <span className={`run-status run-status-${status}`} data-testid="run-status" data-status={status}>
          {STATUS_TEXT[status]}
        </span>
        <div className="buttons">
          <button type="button" className="primary" disabled={!canStart || live} data-testid="run-start" onClick={() => void session.startRun()}>
            {status === 'idle' ? 'Start training' : 'Start a new run'}
          </button>
          <button type="button" disabled={status !== 'running'} data-testid="run-pause" onClick={() => session.pause()}>
            Pause
          </button>
          {deviceLost && status === 'paused' ? (
            // The worker's device is gone and only a new page gets another: a resume here would fail the same way.
            // The run waits at its last checkpoint, which the reloaded page offers to resume.
            <button type="button" className="primary" data-testid="run-reload" title="A reload gets a new GPU device; the run then resumes from its last checkpoint" onClick={() => window.location.reload()}>
              Reload to resume
            </button>
          ) : (
            <button type="button" disabled={status !== 'paused' || runId === undefined || pending} data-testid="run-resume" onClick={() => runId !== undefined && void session.resume(runId)}>
              Resume
            </button>
          )}
          {/* Stop ends a training stretch; a paused run has none to end (it stays resumable, or a new run replaces it). */}
          <button type="button" disabled={!(status === 'running' || pending)} data-testid="run-stop" onClick={() => session.stop()}>
            Stop
          </button>
        </div>
      </div>
      <div className="progress" data-testid="run-progress">
        <progress max={Math.max(totalSteps, 1)} value={step} aria-label="Steps trained" />
        <dl className="numbers">
          <div>
            <dt>Step</dt>
            <dd>
              <span data-testid="run-step">{step}</span> / <span data-testid="run-total">{totalSteps}</span>
            </dd>
          </div>
          <div>
            <dt>Loss</dt>
            <dd data-testid="run-loss">{formatMetric(loss)}</dd>
          </div>
          <div>
            <dt>Safety drift</dt>
            <dd data-testid="run-drift">
              {formatDrift(drift)}
              {plainDrift !== undefined && ` (plain LoRA ${formatDrift(plainDrift)})`}
            </dd>
          </div>
          <div>
            <dt>Tokens/s</dt>
            <dd data-testid="run-tokens-per-second">{tokensPerSecond === undefined ? '–' : formatTokenRate(tokensPerSecond)}</dd>
          </div>
          <div>
            <dt>Time left</dt>
            <dd data-testid="run-eta">{status === 'running' && eta !== undefined ? formatDuration(eta) : '–'}</dd>
          </div>
        </dl>
      </div>
      {warmingUp && (
        <p className="note" data-testid="run-warmup" role="status">
          Warm-up: measuring the safety probe before training and compiling the GPU kernels of the first step. The first
          step takes longest (tens of seconds on a software GPU); later steps are faster.
        </p>
      )}
      {!canStart && !live && status === 'idle' && <p className="note">Load a model and a dataset first.</p>}
      {reason !== undefined && (
        <p className="status-reason" data-testid="run-reason" role="status">
          {reason}
        </p>
      )}
      {error !== undefined && <ErrorMessage error={error} testId="run-error" />}
    </section>
  );
}

const STATUS_TEXT: Record<RunStatus, string> = {
  idle: 'not started',
  running: 'training…',
  paused: 'paused',
  stopped: 'stopped',
  done: 'finished',
  error: 'failed',
};
