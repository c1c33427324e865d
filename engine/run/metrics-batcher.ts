import type { RunEvent } from './run-events';
import type { EvalPoint, MetricPoint } from './run-types';

/** A clock and a one-shot timer: the worker's own in the browser, the same globals in Node tests. */
export interface Timers {
  now(): number; // ms
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** At most one `metrics` event per this many ms (4 per second): charts stay live, the page is never flooded. */
export const METRICS_INTERVAL_MS = 250;

/**
 * Collects a run's metric and eval points and posts them as `metrics` events, at most one per interval. A point never
 * waits longer than the interval (a timer flushes the tail), and `flush()` is called before every `runStatus` so the
 * page has every point of step N before it hears the run paused or ended at step N.
 */
export class MetricsBatcher {
  private points: MetricPoint[] = [];
  private evals: EvalPoint[] = [];
  private lastPost = -Infinity;
  private timer: unknown;

  constructor(
    private readonly runId: string,
    private readonly post: (event: RunEvent) => void,
    private readonly timers: Timers = SYSTEM_TIMERS,
    private readonly intervalMs = METRICS_INTERVAL_MS,
  ) {}

  addPoint(point: MetricPoint): void {
    this.points.push(point);
    this.schedule();
  }

  addEval(point: EvalPoint): void {
    this.evals.push(point);
    this.schedule();
  }

  /** Posts whatever is waiting, now. */
  flush(): void {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.points.length === 0 && this.evals.length === 0) return;
    this.post({ type: 'metrics', runId: this.runId, points: this.points, evals: this.evals });
    this.points = [];
    this.evals = [];
    this.lastPost = this.timers.now();
  }

  private schedule(): void {
    const wait = this.lastPost + this.intervalMs - this.timers.now();
    if (wait <= 0) this.flush();
    else this.timer ??= this.timers.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }
}
