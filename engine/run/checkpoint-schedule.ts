/**
 * How often a run saves a resumable checkpoint. The configured `checkpointEvery` (default 25) alone loses a short run
 * whole: a 16-step run interrupted at step 8 had nothing to resume from. So a run also checkpoints at least every
 * quarter of its steps: every min(checkpointEvery, ⌈totalSteps ÷ 4⌉) steps. 0 keeps its meaning (only on pause, stop,
 * the end, and when the host asks, e.g. a browser tab being hidden or closed).
 */
export function checkpointInterval(checkpointEvery: number, totalSteps: number): number {
  if (checkpointEvery <= 0) return 0;
  const quarter = Math.max(1, Math.ceil(totalSteps / 4));
  return Math.min(checkpointEvery, quarter);
}

/** Whether `step` ends with a scheduled checkpoint. */
export function isCheckpointStep(step: number, checkpointEvery: number, totalSteps: number): boolean {
  const every = checkpointInterval(checkpointEvery, totalSteps);
  return every > 0 && step % every === 0;
}
