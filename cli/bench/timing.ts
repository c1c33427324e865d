import * as tf from '@tensorflow/tfjs';

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** The q-quantile of xs (0 ≤ q ≤ 1), interpolating linearly between the two nearest order statistics. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0 || !(q >= 0 && q <= 1)) throw new RangeError(`quantile: need values and 0 ≤ q ≤ 1, got ${xs.length} values and q = ${q}`);
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (pos - lo) * (s[hi]! - s[lo]!);
}

/**
 * Median wall time (ms) of `run`, each sample `reps` calls long and ended by one read-back (the sync point that
 * waits for the GPU queue). The first sample is a warm-up (pipeline compiles) and is dropped.
 */
export async function timeOp(run: () => tf.Tensor[], opts: { samples: number; reps: number }): Promise<number> {
  const times: number[] = [];
  for (let s = 0; s <= opts.samples; s++) {
    const t0 = performance.now();
    let last: tf.Tensor[] = [];
    for (let r = 0; r < opts.reps; r++) {
      for (const t of last) t.dispose();
      last = run();
    }
    await last[0]!.data(); // sync point: waits for every queued dispatch
    const ms = (performance.now() - t0) / opts.reps;
    for (const t of last) t.dispose();
    if (s > 0) times.push(ms);
  }
  return median(times);
}
