import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { randomHostLora } from '../helpers/random-lora';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import type { TinyArch } from '../../engine/model/tiny';
import { loadCausalLM } from '../../engine/model/load';
import { meanNll, type TokenBatch } from '../../engine/model/loss';
import { vocabChunks } from '../../engine/model/vocab-chunks';
import { chunkedNll } from '../../engine/model/chunked-nll';
import { pickRows } from '../../engine/model/loss';
import { MemoryFiles } from '../../engine/weights/memory-files';
import type { CausalLM } from '../../engine/model/causal-lm';

const IDS = [5, 117, 42, 300, 7, 256, 1, 99, 310, 64];
const T = IDS.length;

function batchOf(ids: number[]): TokenBatch {
  // Two rows; labels on every position but the first of each row (prompt-like), so the loss has 2·(T−2) targets.
  const all = Int32Array.from([...ids, ...ids.slice().reverse()]);
  const labels = Int32Array.from(all, (id, i) => (i % T === 0 ? -100 : id));
  return { ids: all, labels, batchSize: 2, seqLen: T };
}

async function logitsOf(model: CausalLM): Promise<Float32Array> {
  const out = tf.tidy(() => model.logits(tf.tensor2d([IDS], [1, T], 'int32')));
  const v = (await out.data()) as Float32Array; // sync point
  out.dispose();
  return v;
}

/** Mean NLL of the batch from full logits, on the host in float64: the plain definition the chunked loss must meet. */
async function hostMeanNll(model: CausalLM, batch: TokenBatch): Promise<number> {
  const out = tf.tidy(() => model.logits(tf.tensor2d(batch.ids, [batch.batchSize, batch.seqLen], 'int32')));
  const logits = (await out.data()) as Float32Array;
  out.dispose();
  const v = model.config.vocabSize;
  let sum = 0;
  let count = 0;
  for (let b = 0; b < batch.batchSize; b++) {
    for (let t = 0; t + 1 < batch.seqLen; t++) {
      const label = batch.labels[b * batch.seqLen + t + 1]!;
      if (label < 0) continue;
      const row = logits.subarray((b * batch.seqLen + t) * v, (b * batch.seqLen + t + 1) * v);
      const max = Math.max(...row);
      let s = 0;
      for (const x of row) s += Math.exp(x - max);
      sum += max + Math.log(s) - row[label]!;
      count++;
    }
  }
  return sum / count;
}

async function lossAndGrads(model: CausalLM, batch: TokenBatch): Promise<{ loss: number; grads: Float32Array[] }> {
  const vars = model.adapter!.variables();
  const { value, grads } = tf.variableGrads(() => meanNll(model, batch), vars);
  const loss = (await value.data())[0]!;
  const out = await Promise.all(vars.map(async (v) => (await grads[v.name]!.data()) as Float32Array));
  value.dispose();
  tf.dispose(grads);
  return { loss, grads: out };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; scale: number } {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { err, scale };
}

describe.each(BACKENDS)('vocabulary chunks on %s', (backend) => {
  test.each(['llama', 'llama3'] as TinyArch[])('%s: a lowered binding limit splits embedding and lm_head; logits, loss and LoRA gradients do not change', async (arch) => {
    await setBackend(backend);
    const before = tf.memory().numTensors;
    const files = new MemoryFiles(tinyCheckpointFiles(arch, { seed: 5 }), `tiny ${arch}`);
    const plain = await loadCausalLM(files);
    const lora = randomHostLora(plain.config, 9);
    plain.dispose();
    const whole = await loadCausalLM(files, { adapter: { kind: 'weights', weights: lora } });
    const hidden = whole.config.hiddenSize;
    // The largest other tensor (an MLP matrix) is the floor of the binding limit: at it the tiny vocabulary splits.
    const limit = whole.config.intermediateSize * hidden * 4;
    const rows = whole.config.intermediateSize;
    const split = await loadCausalLM(files, { adapter: { kind: 'weights', weights: lora }, maxBindingBytes: limit });
    expect(vocabChunks(whole.weights.embedTokens)).toHaveLength(1);
    const chunks = vocabChunks(split.weights.embedTokens);
    expect(chunks.length).toBe(Math.ceil(whole.config.vocabSize / rows));
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const c of [...chunks, ...vocabChunks(split.weights.lmHead)]) expect(c.size * 4).toBeLessThanOrEqual(limit);

    const tol = backend === 'webgpu' ? 2e-5 : 2e-6;
    const logits = maxAbsDiff(await logitsOf(split), await logitsOf(whole));
    expect(logits.err).toBeLessThan(tol * Math.max(1, logits.scale));

    const batch = batchOf(IDS);
    const a = await lossAndGrads(whole, batch);
    const b = await lossAndGrads(split, batch);
    expect(Math.abs(a.loss - (await hostMeanNll(whole, batch)))).toBeLessThan(1e-5 * Math.max(1, a.loss));
    expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5 * Math.max(1, a.loss));
    for (let i = 0; i < a.grads.length; i++) {
      const g = maxAbsDiff(b.grads[i]!, a.grads[i]!);
      expect(g.err).toBeLessThan(1e-4 * Math.max(1e-3, g.scale));
    }
    whole.dispose();
    split.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

// 40 bytes: tiles of 2 rows of the widest chunk, so both tilings are exercised and backward recomputes each tile's
// logits; 4096 bytes: all [7, 13] logits fit, so the forward's are kept for backward.
test.each([
  { tileBytes: 2 * 5 * 4, path: 'tiles recomputed' },
  { tileBytes: 4096, path: 'logits kept' },
])('chunkedNll ($path) matches plain autodiff, gradients to h and to trainable chunks included', async ({ tileBytes }) => {
  await setBackend('cpu');
  const before = tf.memory().numTensors;
  const [n, d, sizes] = [7, 8, [5, 5, 3]];
  const vocab = sizes.reduce((a, b) => a + b, 0);
  const rand = (k: number, seed: number): Float32Array => Float32Array.from({ length: k }, (_, i) => Math.sin(seed * 7919 + i * 104729) * 1.5);
  const variable = (data: Float32Array, shape: [number, number]): tf.Variable<tf.Rank.R2> => {
    const init = tf.tensor2d(data, shape);
    const v = tf.variable(init);
    init.dispose(); // the variable holds its own reference
    return v;
  };
  const h = variable(rand(n * d, 1), [n, d]);
  const chunks = sizes.map((rows, i) => variable(rand(rows * d, 2 + i), [rows, d]));
  const targets = Int32Array.from([0, 12, 5, 7, 3, 10, 12]);
  const tiled = tf.variableGrads(() => chunkedNll(h, chunks, targets, tileBytes), [h, ...chunks]);
  const plain = tf.variableGrads(() => {
    const logits = tf.matMul(h, tf.concat(chunks, 0), false, true); // [n, vocab]
    const picked = tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(targets, 'int32'), vocab)), -1);
    return tf.sum(tf.sub(tf.logSumExp(logits, -1), picked)) as tf.Scalar;
  }, [h, ...chunks]);
  expect(Math.abs((await tiled.value.data())[0]! - (await plain.value.data())[0]!)).toBeLessThan(1e-4);
  for (const v of [h, ...chunks]) {
    const { err, scale } = maxAbsDiff(await tiled.grads[v.name]!.data(), await plain.grads[v.name]!.data());
    expect(scale).toBeGreaterThan(0);
    expect(err).toBeLessThan(1e-5 * Math.max(1, scale));
  }
  // Without a gradient tape nothing is saved for a backward that never comes.
  const evaluated = tf.tidy(() => chunkedNll(h, chunks, targets, tileBytes));
  expect(Math.abs((await evaluated.data())[0]! - (await plain.value.data())[0]!)).toBeLessThan(1e-4);
  tf.dispose([evaluated, tiled.value, plain.value, h, ...chunks]);
  tf.dispose(tiled.grads);
  tf.dispose(plain.grads);
  expect(tf.memory().numTensors).toBe(before);
});

test.each(['cpu', 'webgpu'] as const)('pickRows on %s: the rows of tf.gather, and the same gradient without a scatter-add', async (backend) => {
  await setBackend(backend);
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([9, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
  const rows = Int32Array.from([7, 0, 3, 8]);
  const w = tf.randomNormal([4, 4], 0, 1, 'float32', 6);
  const loss = (pick: (t: tf.Tensor2D) => tf.Tensor) => (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(pick(t as tf.Tensor2D), w)) as tf.Scalar;
  const got = tf.tidy(() => [pickRows(x, rows), tf.grad(loss((t) => pickRows(t, rows)))(x)]);
  const want = tf.tidy(() => [tf.gather(x, tf.tensor1d(rows, 'int32')), tf.grad(loss((t) => tf.gather(t, tf.tensor1d(rows, 'int32'))))(x)]);
  for (let i = 0; i < 2; i++) expect(Array.from(await got[i]!.data())).toEqual(Array.from(await want[i]!.data()));
  expect(() => pickRows(x, Int32Array.from([1, 2, 1]))).toThrow(/picked twice/);
  tf.dispose([x, w, ...got, ...want]);
  expect(tf.memory().numTensors).toBe(before);
});
