import { appendFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { spfMetricsByName } from '../../engine/run/metric-point';
import type { EvalPoint, MetricPoint } from '../../engine/run/run-types';

/**
 * OUT/metrics.jsonl: one JSON object per step ({step, loss, lr, grad_norm, tokens_per_second, eta_seconds, spf_*})
 * and one per evaluation ({step, eval_loss?, probe_loss, drift, decision_loss, decision_drift}), appended as they come, for tools that read JSON
 * Lines. The run record (run.json) holds the same numbers for the app.
 */
export class MetricsFile {
  constructor(readonly path: string) {}

  appendPoint(p: MetricPoint): void {
    this.append({ step: p.step, loss: p.loss, lr: p.lr, grad_norm: p.gradNorm, tokens_per_second: p.tokensPerSecond, eta_seconds: p.etaSeconds, ...spfMetricsByName(p) });
  }

  appendEval(e: EvalPoint): void {
    this.append({ step: e.step, ...(e.validationLoss === undefined ? {} : { eval_loss: e.validationLoss }), probe_loss: e.probeLoss, drift: e.drift, decision_loss: e.decisionLoss, decision_drift: e.decisionDrift });
  }

  /**
   * On resume: keeps the lines of steps up to the checkpoint (later steps run again). A line that is not JSON — the
   * torn last line of a killed process — is dropped, and `warn` names the file and the line.
   */
  async keepUpTo(step: number, warn: (message: string) => void): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      text = '';
    }
    const kept: string[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        warn(`${this.path} line ${i + 1} is not a whole JSON line (the run was killed while writing it); dropped`);
        return;
      }
      const rowStep = (row as { step?: unknown } | null)?.step;
      if (typeof rowStep === 'number' && rowStep <= step) kept.push(line);
    });
    await writeFile(this.path, kept.map((l) => l + '\n').join(''));
  }

  private append(row: Record<string, number | undefined>): void {
    appendFileSync(this.path, JSON.stringify(row) + '\n'); // synchronous: events arrive in order and must stay so
  }
}
