import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { parseModelConfig, type ModelConfig } from '../../engine/model/config';
import { randomWeights } from '../../engine/model/tiny';
import { uploadBaseWeights, type NamedHostTensor } from '../../engine/model/base-weights';
import { CausalLM } from '../../engine/model/causal-lm';
import { meanNll } from '../../engine/model/loss';
import { vocabChunks } from '../../engine/model/vocab-chunks';
import { deviceBindingLimit } from '../../engine/device/binding-limit';
import { REAL_SHAPES } from '../../cli/real-shapes';
import { referenceLogits, referenceLoss, type RefTensor } from '../reference/llama-reference';

/**
 * Qwen2.5-0.5B's exact embedding (151,936 × 896, tied, 544 MB in float32 — over lavapipe's 128 MiB storage binding)
 * and attention / MLP widths, with one layer instead of 24 so the test stays fast. On WebGPU through Dawn the
 * embedding must be split by vocabulary and the logits and loss still match the float64 reference.
 */
const QWEN25_05B_ONE_LAYER = { ...REAL_SHAPES['qwen2.5-0.5b'], num_hidden_layers: 1 };

const IDS = [151643, 9707, 11, 1879, 0, 151935];

/**
 * Random weights: the 136M-entry embedding from an inline xorshift (uniform ±0.26, ~HF init scale × 13 so logits are
 * O(1..10)), fast enough for a unit test; the one layer's tensors from the tiny models' generator.
 */
function randomHostWeights(config: ModelConfig): Map<string, NamedHostTensor> {
  const rest = randomWeights({ ...config, vocabSize: 1 }, 11);
  const n = config.vocabSize * config.hiddenSize;
  const data = new Float32Array(n);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = (x / 0x80000000) * 0.26;
  }
  rest.set('model.embed_tokens.weight', { shape: [config.vocabSize, config.hiddenSize], data });
  return rest;
}

test('Qwen2.5-0.5B embedding shape on WebGPU: split within the binding limit, logits and loss match the reference', async () => {
  await setBackend('webgpu');
  const before = tf.memory().numTensors;
  const config = parseModelConfig(QWEN25_05B_ONE_LAYER);
  const host = randomHostWeights(config);
  const weights = await uploadBaseWeights(config, async (name) => host.get(name)!);
  const limit = deviceBindingLimit();
  const chunks = vocabChunks(weights.embedTokens);
  for (const c of chunks) expect(c.size * 4).toBeLessThanOrEqual(limit);
  if (config.vocabSize * config.hiddenSize * 4 > limit) expect(chunks.length).toBeGreaterThan(1);
  const model = new CausalLM(config, weights);

  const out = tf.tidy(() => model.logits(tf.tensor2d([IDS], [1, IDS.length], 'int32')));
  const got = await out.data(); // sync point
  out.dispose();
  const ref = new Map<string, RefTensor>([...host].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
  const want = referenceLogits(QWEN25_05B_ONE_LAYER, ref, IDS);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  expect(scale).toBeGreaterThan(1); // the comparison is not between two near-zero arrays
  expect(err).toBeLessThan(1e-4 * scale);

  const labels = [-100, ...IDS.slice(1)];
  const loss = meanNll(model, { ids: Int32Array.from(IDS), labels: Int32Array.from(labels), batchSize: 1, seqLen: IDS.length });
  const lossValue = (await loss.data())[0]!;
  loss.dispose();
  const wantLoss = referenceLoss(QWEN25_05B_ONE_LAYER, ref, IDS, labels);
  expect(Math.abs(lossValue - wantLoss)).toBeLessThan(1e-4 * Math.max(1, wantLoss));
  console.log(`qwen2.5-0.5b embedding on webgpu: ${chunks.length} chunks under a ${limit}-byte binding; max |logit error| ${err.toExponential(2)} at scale ${scale.toFixed(2)}; loss ${lossValue.toFixed(5)} vs ${wantLoss.toFixed(5)}`);
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
}, 300_000); // ~2 GFLOP of lm_head on a software GPU, and a 544 MB upload
