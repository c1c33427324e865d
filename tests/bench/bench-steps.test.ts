import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { benchModel, type BenchShape } from '../../cli/bench/bench-model';
import { BUNDLED_ANCHORS, benchSteps } from '../../cli/bench/steps';
import { readFileSync } from 'node:fs';

// The steps alternate which adapter runs first, so an even total leaves the plain adapter installed: the anchor's
// safety gradient after the steps must still be the SPF adapter's (it threw "Cannot find a connection" before).
test.each([
  { warmup: 1, measured: 1 },
  { warmup: 1, measured: 2 },
])('bench steps ($warmup + $measured): timings and the SPF adapter safety gradient per LoRA matrix (cpu)', async (steps) => {
  await setBackend('cpu');
  const hf = { architectures: ['LlamaForCausalLM'], rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 64, tie_word_embeddings: true, vocab_size: 96, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1 };
  const shape: BenchShape = { name: 'tiny', hf, batch: 2, seqLen: 8, anchorLen: 6, loraR: 4 };
  const model = await benchModel(shape);
  const before = tf.memory().numTensors;
  const t = await benchSteps(model, shape, steps);
  expect(t.plainMs).toBeGreaterThan(0);
  expect(t.spfMs).toBeGreaterThan(0);
  const [q1, q3] = t.pairRatioQuartiles;
  expect(q1).toBeGreaterThan(0);
  expect(q3).toBeGreaterThanOrEqual(q1);
  if (steps.measured === 1) expect(q1).toBeCloseTo(t.ratio, 12); // one pair: its ratio is the ratio of the medians
  expect(t.safetyBlocks).toHaveLength(7 * 2); // A and B of the seven adapted projections, one layer
  for (const b of t.safetyBlocks) {
    const norm = tf.tidy(() => tf.norm(b).dataSync()[0]!);
    expect(Number.isFinite(norm) && norm > 0).toBe(true);
  }
  for (const b of t.safetyBlocks) b.dispose();
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
});

test('the bench measures SPF also with as many anchors as the demo build bundles, each its own gradient (cpu)', async () => {
  const rows = readFileSync(new URL('../../public/datasets/safety-anchor.jsonl', import.meta.url), 'utf8').split('\n').filter((l) => l.trim() !== '');
  expect(BUNDLED_ANCHORS).toBe(rows.length);
  await setBackend('cpu');
  const hf = { architectures: ['LlamaForCausalLM'], rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 64, tie_word_embeddings: true, vocab_size: 96, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1 };
  const shape: BenchShape = { name: 'tiny', hf, batch: 2, seqLen: 8, anchorLen: 6, loraR: 4 };
  const model = await benchModel(shape);
  const before = tf.memory().numTensors;
  const t = await benchSteps(model, shape, { warmup: 1, measured: 1, anchors: BUNDLED_ANCHORS });
  expect(t.spfMs).toBeGreaterThan(0);
  expect(t.safetyBlocks).toHaveLength(7 * 2);
  for (const b of t.safetyBlocks) b.dispose();
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
});

test('the bench reports whether SPF folded its anchor into the first micro-batch, and can force it (cpu)', async () => {
  await setBackend('cpu');
  const hf = { architectures: ['LlamaForCausalLM'], rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 64, tie_word_embeddings: true, vocab_size: 96, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1 };
  const shape: BenchShape = { name: 'tiny', hf, batch: 2, seqLen: 8, anchorLen: 6, loraR: 4 };
  const model = await benchModel(shape);
  const auto = await benchSteps(model, shape, { warmup: 1, measured: 1 });
  expect(auto.folded).toBe(false); // 'auto' folds on WebGPU only
  const forced = await benchSteps(model, shape, { warmup: 1, measured: 1, fold: 'always' });
  expect(forced.folded).toBe(true);
  expect(forced.spfMs).toBeGreaterThan(0);
  for (const b of [...auto.safetyBlocks, ...forced.safetyBlocks]) b.dispose();
  model.dispose();
});
