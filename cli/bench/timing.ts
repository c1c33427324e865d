import * as tf from '@tensorflow/tfjs';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
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
