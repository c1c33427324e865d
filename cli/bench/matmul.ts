import * as tf from '@tensorflow/tfjs';
import { timeOp } from './timing';

/** The best tfjs matMul rate (GFLOP/s) over a few square sizes: the adapter's practical peak for our FLOP counts. */
export async function matmulPeak(sizes: readonly number[]): Promise<{ gflops: number; size: number }> {
  let best = { gflops: 0, size: 0 };
  for (const n of sizes) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    const ms = await timeOp(() => [tf.matMul(a, b)], { samples: 3, reps: 2 });
    const gflops = (2 * n * n * n) / (ms * 1e6);
    if (gflops > best.gflops) best = { gflops, size: n };
    a.dispose();
    b.dispose();
  }
  return best;
}
