import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { setBackend } from './backend';
import { parseModelConfig, type ModelConfig } from '../../engine/model/config';
import { randomWeights } from '../../engine/model/tiny';
import { uploadBaseWeights, type NamedHostTensor } from '../../engine/model/base-weights';
import { CausalLM } from '../../engine/model/causal-lm';
import { meanNll } from '../../engine/model/loss';
import { vocabChunks } from '../../engine/model/vocab-chunks';
import { deviceBindingLimit } from '../../engine/device/binding-limit';
import { referenceLogits, referenceLoss, type RefTensor } from '../reference/llama-reference';

/** A [vocab, hidden] matrix from an inline xorshift (uniform ±0.26, ~HF init scale × 13 so logits are O(1..10)). */
function xorshiftMatrix(n: number, seed: number): Float32Array {
  const data = new Float32Array(n);
  let x = seed | 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = (x / 0x80000000) * 0.26;
  }
  return data;
}

/**
 * Random weights at a real model's shape: the embedding (and an untied lm_head) of 10⁸ entries from an inline
 * xorshift, fast enough for a unit test; the decoder layers' tensors from the tiny models' generator.
 */
export function randomHostWeights(config: ModelConfig): Map<string, NamedHostTensor> {
  const rest = randomWeights({ ...config, vocabSize: 1 }, 11);
  const shape = [config.vocabSize, config.hiddenSize];
  const n = config.vocabSize * config.hiddenSize;
  rest.set('model.embed_tokens.weight', { shape, data: xorshiftMatrix(n, 0x9e3779b9) });
  if (!config.tieWordEmbeddings) rest.set('lm_head.weight', { shape, data: xorshiftMatrix(n, 0x85ebca6b) });
  return rest;
}

/**
 * A real model's shape (usually with its decoder layers cut to one) on WebGPU: the vocabulary matrices split within
 * the device's storage binding, and the logits and loss of `ids` within 1e-4 (relative) of the float64 reference.
 * Returns a line for the test's log.
 */
export async function expectShapeMatchesReference(name: string, hf: Record<string, unknown>, ids: number[]): Promise<string> {
  await setBackend('webgpu');
  const before = tf.memory().numTensors;
  const config = parseModelConfig(hf);
  const host = randomHostWeights(config);
  const weights = await uploadBaseWeights(config, async (tensor) => host.get(tensor)!);
  const limit = deviceBindingLimit();
  const chunks = vocabChunks(weights.embedTokens);
  for (const c of [...chunks, ...vocabChunks(weights.lmHead)]) expect(c.size * 4).toBeLessThanOrEqual(limit);
  if (config.vocabSize * config.hiddenSize * 4 > limit) expect(chunks.length).toBeGreaterThan(1);
  const model = new CausalLM(config, weights);

  const out = tf.tidy(() => model.logits(tf.tensor2d([ids], [1, ids.length], 'int32')));
  const got = await out.data(); // sync point
  out.dispose();
  const ref = new Map<string, RefTensor>([...host].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
  const want = referenceLogits(hf, ref, ids);
  expect(got.length).toBe(want.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  expect(scale).toBeGreaterThan(1); // the comparison is not between two near-zero arrays
  expect(err).toBeLessThan(1e-4 * scale);

  const labels = [-100, ...ids.slice(1)];
  const loss = meanNll(model, { ids: Int32Array.from(ids), labels: Int32Array.from(labels), batchSize: 1, seqLen: ids.length });
  const lossValue = (await loss.data())[0]!;
  loss.dispose();
  const wantLoss = referenceLoss(hf, ref, ids, labels);
  expect(Math.abs(lossValue - wantLoss)).toBeLessThan(1e-4 * Math.max(1, wantLoss));
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return `${name} on webgpu: ${chunks.length} embedding chunks under a ${limit}-byte binding; max |logit error| ${err.toExponential(2)} at scale ${scale.toFixed(2)}; loss ${lossValue.toFixed(5)} vs ${wantLoss.toFixed(5)}`;
}
