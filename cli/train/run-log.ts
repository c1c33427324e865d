import type { RunEvent } from '../../engine/run/run-events';
import type { MetricPoint } from '../../engine/run/run-types';
import type { MetricsFile } from './metrics-file';
import { formatTokenRate } from '../../app/format';

/** A TrainingRun's events in the terminal (one progress line per step, eval and status lines) and in metrics.jsonl. */
export function cliRunLog(metrics: MetricsFile, totalSteps: () => number, write: (line: string) => void): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'metrics':
        for (const p of event.points) {
          write(progressLine(p, totalSteps()));
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

function progressLine(p: MetricPoint, total: number): string {
  const spf = p.spf === undefined ? '' : ` | spf gate ${p.spf.gate.toFixed(2)} cos ${p.spf.cos.toFixed(3)} removed ${p.spf.removed.toFixed(3)}`;
  return `step ${p.step}/${total} | loss ${p.loss.toFixed(4)} | lr ${p.lr.toExponential(2)} | ${formatTokenRate(p.tokensPerSecond)} tok/s | ETA ${formatDuration(p.etaSeconds)}${spf}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
