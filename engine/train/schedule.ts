import type { LrSchedule } from './options';

/**
 * Learning rate for optimizer step `step` (1-based) of `total`, as HF's get_{cosine,linear,constant}_schedule_with_warmup:
 * linear warmup over `warmup` steps, then cosine / linear decay to 0 at `total`, or constant.
 */
export function learningRate(schedule: LrSchedule, peak: number, step: number, total: number, warmup: number): number {
  const s = step - 1; // HF's schedulers see the number of completed steps
  if (warmup > 0 && s < warmup) return (peak * s) / warmup;
  if (schedule === 'constant') return peak;
  const progress = Math.min(1, (s - warmup) / Math.max(1, total - warmup));
  if (schedule === 'linear') return peak * Math.max(0, 1 - progress);
  return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
}
