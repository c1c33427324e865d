import { formatDuration, formatMetric } from '../format';
import { useApp } from '../store/app-store';
import { last, mainVariant } from '../store/metric-columns';

/**
 * Step counter, progress bar, tokens/s, ETA and the latest loss and drift. The numbers are the last points of the
 * series the worker sent (the charts draw the same series), so what the page says is what was measured.
 */
export function RunProgress() {
  const totalSteps = useApp((s) => s.totalSteps);
  const statusStep = useApp((s) => s.step);
  // The run's own adapter; with the plain-LoRA comparison on, its drift is shown beside.
  const lastStep = useApp((s) => last(s.series.steps[mainVariant(s.config)].step));
  const loss = useApp((s) => last(s.series.steps[mainVariant(s.config)].loss));
  const tokensPerSecond = useApp((s) => last(s.series.steps[mainVariant(s.config)].tokensPerSecond));
  const drift = useApp((s) => last(s.series.evals[mainVariant(s.config)].drift));
  const plainDrift = useApp((s) => (mainVariant(s.config) === 'spf' ? last(s.series.evals.plain.drift) : undefined));
  const status = useApp((s) => s.runStatus);
  const eta = useApp((s) => s.lastEtaSeconds);
  const step = Math.max(lastStep ?? 0, statusStep);
  if (status === 'idle' && lastStep === undefined) return null;
  return (
    <div className="progress" data-testid="run-progress">
      <progress max={Math.max(totalSteps, 1)} value={step} />
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
            {formatMetric(drift)}
            {plainDrift !== undefined && ` (plain LoRA ${formatMetric(plainDrift)})`}
          </dd>
        </div>
        <div>
          <dt>Tokens/s</dt>
          <dd data-testid="run-tokens-per-second">{tokensPerSecond === undefined ? '–' : tokensPerSecond.toFixed(0)}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd data-testid="run-eta">{status === 'running' && eta !== undefined ? formatDuration(eta) : '–'}</dd>
        </div>
      </dl>
    </div>
  );
}
