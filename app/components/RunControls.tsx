import type { RunStatus } from '../../workers/protocol';
import { useMemo } from 'react';
import { driftChart, lossChart, SPF_CHART } from '../charts/chart-specs';
import { StoreChart } from '../charts/StoreChart';
import { useSession } from '../session-context';
import { useApp } from '../store/app-store';
import { ErrorMessage } from './ErrorMessage';
import { RunProgress } from './RunProgress';
import { Step } from './Step';

/** Step 5: start, pause, resume, stop; the progress line; live charts of loss, safety drift and SPF's own metrics. */
export function RunControls() {
  const session = useSession();
  const status = useApp((s) => s.runStatus);
  const runId = useApp((s) => s.runId);
  const reason = useApp((s) => s.statusReason);
  const error = useApp((s) => s.runError);
  const canStart = useApp(
    (s) => s.workerStatus === 'ready' && s.modelStatus === 'ready' && s.datasetStatus === 'ready' && s.config !== undefined,
  );
  const spfOn = useApp((s) => s.config?.spf.enabled ?? true);
  const compare = useApp((s) => s.config?.compareWithPlain ?? false);
  // Which adapters the run trains decides which curves the charts name (a new set re-creates the charts).
  const variants = useMemo(() => (!spfOn ? (['plain'] as const) : compare ? (['spf', 'plain'] as const) : (['spf'] as const)), [spfOn, compare]);
  const loss = useMemo(() => lossChart(variants), [variants]);
  const drift = useMemo(() => driftChart(variants), [variants]);
  const pending = useApp((s) => s.runRequestPending);
  const live = status === 'running' || status === 'paused' || pending;

  return (
    <Step n={5} title="Train" testId="step-train" status={<span data-testid="run-status" data-status={status}>{STATUS_TEXT[status]}</span>}>
      <div className="buttons">
        <button type="button" className="primary" disabled={!canStart || live} data-testid="run-start" onClick={() => void session.startRun()}>
          {status === 'idle' ? 'Start training' : 'Start a new run'}
        </button>
        <button type="button" disabled={status !== 'running'} data-testid="run-pause" onClick={() => session.pause()}>
          Pause
        </button>
        <button type="button" disabled={status !== 'paused' || runId === undefined || pending} data-testid="run-resume" onClick={() => runId !== undefined && void session.resume(runId)}>
          Resume
        </button>
        <button type="button" disabled={!live} data-testid="run-stop" onClick={() => session.stop()}>
          Stop
        </button>
      </div>
      {!canStart && !live && <p className="note">Load a model and a dataset first.</p>}
      {reason !== undefined && (
        <p className="status-reason" data-testid="run-reason" role="status">
          {reason}
        </p>
      )}
      {error !== undefined && <ErrorMessage error={error} testId="run-error" />}
      <RunProgress />
      <div className="charts">
        <StoreChart title="Task loss" testId="chart-loss" spec={loss} />
        <StoreChart title="Safety drift: probe loss minus its value before training" testId="chart-drift" spec={drift} />
        {spfOn && <StoreChart title="SPF: gradient conflict and projection" testId="chart-spf" spec={SPF_CHART} />}
      </div>
    </Step>
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
