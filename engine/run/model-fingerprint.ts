import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import type { CausalLM } from '../model/causal-lm';

/** How many logits a fingerprint holds. */
export const FINGERPRINT_SIZE = 16;

/**
 * A few logits of the base model (no adapter) on a fixed four-token input: what its weights compute, in 16 numbers.
 * A resume compares them with the ones stored when the run started, because a model of the same shape with other
 * weights — SmolLM2-135M instead of SmolLM2-135M-Instruct, a re-downloaded folder of another revision — passes every
 * shape check, and the adapter would then silently train on a different base. One four-token forward pass: far
 * cheaper than hashing the weights, and independent of how they were stored (bf16 or f32, one file or shards).
 */
export async function modelFingerprint(model: CausalLM): Promise<number[]> {
  const vocab = model.config.vocabSize;
  const ids = [1, 2, 3, 4].map((i) => i % vocab);
  const picked = Array.from({ length: FINGERPRINT_SIZE }, (_, i) => Math.floor((i * vocab) / FINGERPRINT_SIZE));
  const values = tf.tidy(() => {
    const logits = model.logits(tf.tensor2d([ids], [1, ids.length], 'int32'));
    const last = tf.slice(logits, [0, ids.length - 1, 0], [1, 1, vocab]).reshape([vocab]);
    return tf.gather(last, tf.tensor1d(picked, 'int32'));
  });
  try {
    return Array.from(await values.data());
  } finally {
    values.dispose();
  }
}

/**
 * Throws unless `now` is the fingerprint of the model a run stored. The tolerance admits another backend's rounding (a
 * run started in the page on WebGPU, resumed in the CLI on WebAssembly: logits agree to ~1e-4 of their scale), not
 * other weights (which move logits by their whole scale).
 */
export function checkFingerprint(stored: readonly number[], now: readonly number[], runId: string, trained: string): void {
  const scale = Math.max(1, ...stored.map(Math.abs));
  const worst = Math.max(...stored.map((x, i) => Math.abs(x - (now[i] ?? Number.NaN))));
  if (stored.length !== now.length || !(worst <= 1e-2 * scale)) {
    throw new SafeTuneError(
      'bad-argument',
      `the model loaded to resume run ${runId} is not the one it trained (${trained}), though it has its shape: its logits on a fixed input differ from the ones stored when the run started (by up to ${Number.isFinite(worst) ? worst.toPrecision(3) : String(worst)}, logit scale ${scale.toPrecision(3)})`,
      'Resume with the same model (the same repository and revision, or the same folder); a model of the same shape with other weights trains a different adapter.',
    );
  }
}
