import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import { mulberry32 } from '../util/random';
import type { CausalLM } from './causal-lm';
import { KvCache } from './kv-cache';

export interface GenerateOptions {
  maxNewTokens: number; // stop after this many new tokens
  eosTokenIds: readonly number[]; // stop at any of these (the EOS itself is returned)
  temperature?: number; // 0 (default) = greedy
  topP?: number; // nucleus sampling: keep the smallest set of tokens whose probability reaches topP (default 1)
  seed?: number; // sampling seed (default 0)
  signal?: AbortSignal; // stops between tokens
}

/**
 * Autoregressive decoding with a KV cache: the prompt runs once, then one token per step. Yields each new token id
 * as soon as it is chosen (the UI streams them).
 */
export async function* generateTokens(model: CausalLM, promptIds: readonly number[], opts: GenerateOptions): AsyncGenerator<number> {
  if (promptIds.length === 0) throw new SafeTuneError('bad-argument', 'generation needs a non-empty prompt');
  const rand = mulberry32(opts.seed ?? 0);
  const cache = new KvCache(model.config.numLayers);
  try {
    let input: number[] = [...promptIds];
    for (let step = 0; step < opts.maxNewTokens; step++) {
      if (opts.signal?.aborted) return;
      const last = tf.tidy(() => {
        // Only the last position's logits: a long prompt's [T, vocab] would not fit one binding at a 150k vocabulary.
        const h = model.hidden(tf.tensor2d(Int32Array.from(input), [1, input.length], 'int32'), { cache }); // [1, T, D]
        const lastRow = h.slice([0, input.length - 1, 0], [1, 1, model.config.hiddenSize]).reshape([1, model.config.hiddenSize]) as tf.Tensor2D;
        return model.project(lastRow).reshape([-1]); // [vocab]
      });
      cache.commit();
      const row = (await last.data()) as Float32Array; // sync point: one read-back per generated token
      last.dispose();
      const next = chooseToken(row, opts.temperature ?? 0, opts.topP ?? 1, rand);
      yield next;
      if (opts.eosTokenIds.includes(next)) return;
      input = [next];
    }
  } finally {
    cache.dispose();
  }
}

/** Convenience: all new token ids at once. */
export async function generate(model: CausalLM, promptIds: readonly number[], opts: GenerateOptions): Promise<number[]> {
  const out: number[] = [];
  for await (const id of generateTokens(model, promptIds, opts)) out.push(id);
  return out;
}

/** Greedy argmax when temperature is 0, else temperature + top-p sampling on the host. */
export function chooseToken(logits: Float32Array, temperature: number, topP: number, rand: () => number): number {
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  let max = -Infinity;
  for (const l of logits) if (l > max) max = l;
  const probs = new Float64Array(logits.length);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += probs[i] = Math.exp((logits[i]! - max) / temperature);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!);
  const kept: number[] = [];
  let mass = 0;
  for (const i of order) {
    kept.push(i);
    mass += probs[i]! / z;
    if (mass >= topP) break;
  }
  let u = rand() * kept.reduce((s, i) => s + probs[i]!, 0);
  for (const i of kept) {
    u -= probs[i]!;
    if (u <= 0) return i;
  }
  return kept[kept.length - 1]!;
}
