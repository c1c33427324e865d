import type { RunEvent } from '../../engine/run/run-events';
import type { MetricPoint } from '../../engine/run/run-types';
import type { MetricsFile } from './metrics-file';
import { formatTokenRate } from '../../app/format';
import { DEFAULT_SPF_OPTIONS, projectsGradient, projectsUpdate, type SpfProject } from '../../engine/safety/spf-options';

/**
 * A TrainingRun's events in the terminal (one progress line per step, eval and status lines) and in metrics.jsonl.
 * `spfProject`: what the run's SPF projects, so the line shows the gate and removed fraction of that projection.
 */
export function cliRunLog(metrics: MetricsFile, totalSteps: () => number, write: (line: string) => void, spfProject: SpfProject = DEFAULT_SPF_OPTIONS.project): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'metrics':
        for (const p of event.points) {
          write(progressLine(p, totalSteps(), spfProject));
          metrics.appendPoint(p);
        }
        for (const e of event.evals) {
          write(`eval @${e.step}:${e.validationLoss === undefined ? '' : ` validation loss ${e.validationLoss.toFixed(4)}`} probe loss ${e.probeLoss.toFixed(4)} refusal drift ${e.drift.toFixed(4)} decision drift ${e.decisionDrift?.toFixed(4) ?? '–'}`);
          metrics.appendEval(e);
        }
        return;
      case 'runStatus':
        if (event.status !== 'running') write(`run ${event.status} at step ${event.step}/${event.totalSteps}${event.reason === undefined ? '' : `: ${event.reason}`}`);
        return;
      case 'log':
        write(`${event.level === 'warn' ? 'warning' : 'note'}: ${event.message}`);
        return;
    }
  };
}

/**
 * SPF's part: cos(G_t, G_s) of the task gradient; the gate and ‖removed‖ / ‖X‖ of each projection the run makes (the
 * gradient's metrics read gate 1, removed 0 when only the update is projected, which is the default: showing them
 * would say SPF removed nothing); and cos(−Δθ, G_s) of the applied step (≥ 0: it does not raise the safety loss).
 */
function progressLine(p: MetricPoint, total: number, project: SpfProject): string {
  const s = p.spf;
  const spf =
    s === undefined
      ? ''
      : ` | spf cos ${s.cos.toFixed(3)}` +
        (projectsGradient({ project }) ? ` gradient gate ${s.gate.toFixed(2)} removed ${s.removed.toFixed(3)}` : '') +
        (projectsUpdate({ project }) ? ` update gate ${s.updateGate.toFixed(2)} removed ${s.updateRemoved.toFixed(3)}` : '') +
        ` step cos ${s.updateCos.toFixed(3)}`;
  return `step ${p.step}/${total} | loss ${p.loss.toFixed(4)} | lr ${p.lr.toExponential(2)} | ${formatTokenRate(p.tokensPerSecond)} tok/s | ETA ${formatDuration(p.etaSeconds)}${spf}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
