import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { CausalLM } from '../../engine/model/causal-lm';
import { generate } from '../../engine/model/generate';
import { loadCausalLM } from '../../engine/model/load';
import { IGNORE_INDEX, nllSum } from '../../engine/model/loss';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { parseModelConfig } from '../../engine/model/config';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { greedyCompletions } from '../../engine/model/batched-greedy';
import { demoHfConfig } from '../../scripts/demo/model/demo-config';
import { initTrainableWeights, trainableWeightsFrom } from '../../scripts/demo/model/trainable-weights';
import { DirectoryFiles } from '../../node-host/fs-files';
import { Rng } from '../../scripts/demo/rng';
import { bucketedNllSum } from '../../scripts/demo/train/bucketed-nll';
import type { EncodedRow } from '../../scripts/demo/train/encode-row';
import { lengthBatches, padBatch } from '../../scripts/demo/train/length-batches';

// The demo build runs on WebGPU (Dawn); these parts are checked there, where the shape-bucketing matters.
const BACKEND = 'webgpu' as const;

function row(length: number, answerFrom: number, seed: number): EncodedRow {
  const r = new Rng(seed);
  const ids = Array.from({ length }, () => r.int(60));
  return { ids, labels: ids.map((id, i) => (i >= answerFrom ? id : IGNORE_INDEX)) };
}

describe('length batches', () => {
  test('pad to a multiple of lengthMultiple, keep every row, and group similar lengths', () => {
    const rows = Array.from({ length: 64 }, (_, i) => row(5 + ((i * 7) % 30), 3, i));
    const batches = lengthBatches(rows, { batchSize: 8, batchesPerChunk: 4, lengthMultiple: 8 }, 63, new Rng(1));
    expect(batches).toHaveLength(8);
    let labelled = 0;
    for (const b of batches) {
      expect(b.seqLen % 8).toBe(0);
      expect(b.batchSize).toBe(8);
      labelled += b.labels.filter((l) => l !== IGNORE_INDEX).length;
    }
    expect(labelled).toBe(rows.reduce((n, r) => n + r.labels.filter((l) => l !== IGNORE_INDEX).length, 0));
    // Sorted within a chunk of 4 batches: the longest batch of a chunk is far shorter than 5 + 29 for most.
    expect(Math.min(...batches.map((b) => b.seqLen))).toBeLessThan(Math.max(...batches.map((b) => b.seqLen)));
  });

  test('padBatch right-pads with the pad id and no label', () => {
    const b = padBatch([row(3, 1, 1), row(5, 2, 2)], 99, 4);
    expect(b.seqLen).toBe(8);
    expect([...b.ids.slice(3, 8)]).toEqual([99, 99, 99, 99, 99]);
    expect([...b.labels.slice(3, 8)].every((l) => l === IGNORE_INDEX)).toBe(true);
  });
});

describe(`on ${BACKEND}`, () => {
  test('bucketedNllSum equals the engine\'s nllSum, value and gradients', async () => {
    await setBackend(BACKEND);
    const config = parseModelConfig(demoHfConfig({ hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, maxPositionEmbeddings: 64 }, 64, 63, 62));
    const w = initTrainableWeights(config, 5);
    const model = new CausalLM(config, w.weights);
    const vars = [...w.variables.values()];
    const batch = padBatch([row(9, 4, 1), row(12, 6, 2), row(7, 2, 3)], 62, 8);
    const before = tf.memory().numTensors;
    const ref = tf.variableGrads(() => nllSum(model, batch).sum, vars);
    const ours = tf.variableGrads(() => bucketedNllSum(model, batch, 16).sum, vars);
    const countOurs = bucketedNllSum(model, batch, 16);
    const countRef = nllSum(model, batch);
    expect(countOurs.count).toBe(countRef.count);
    tf.dispose([countOurs.sum, countRef.sum]);
    expect((await ours.value.data())[0]).toBeCloseTo((await ref.value.data())[0]!, 3);
    for (const v of vars) {
      const a = await ref.grads[v.name]!.data();
      const b = await ours.grads[v.name]!.data();
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs));
    }
    tf.dispose([ref.value, ours.value, ...Object.values(ref.grads), ...Object.values(ours.grads)]);
    // A leak check of the training step's loss: nothing but the four results above was created and disposed.
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('bucketedNllSum with a first-token weight adds (w − 1) × the first answer tokens\' NLL, and counts their weight', async () => {
    await setBackend(BACKEND);
    const config = parseModelConfig(demoHfConfig({ hiddenSize: 32, intermediateSize: 48, numLayers: 1, numHeads: 2, numKvHeads: 2, maxPositionEmbeddings: 64 }, 64, 63, 62));
    const w = initTrainableWeights(config, 6);
    const model = new CausalLM(config, w.weights);
    const rows = [row(9, 4, 1), row(12, 6, 2), row(7, 2, 3)];
    const batch = padBatch(rows, 62, 8);
    // The same rows with only the first answer token labelled: their summed NLL, by the engine's own loss.
    const firstOnly = padBatch(
      rows.map((r) => {
        const first = r.labels.findIndex((l) => l !== IGNORE_INDEX);
        return { ids: r.ids, labels: r.labels.map((l, i) => (i === first ? l : IGNORE_INDEX)) };
      }),
      62,
      8,
    );
    const before = tf.memory().numTensors;
    const plain = bucketedNllSum(model, batch, 16);
    const weighted = bucketedNllSum(model, batch, 16, 4);
    const first = nllSum(model, firstOnly);
    expect(first.count).toBe(3);
    expect(weighted.count).toBe(plain.count);
    expect(plain.weight).toBe(plain.count);
    expect(weighted.weight).toBe(plain.count + 3 * 3);
    const [p, q, f] = await Promise.all([plain.sum.data(), weighted.sum.data(), first.sum.data()]);
    expect(q[0]!).toBeCloseTo(p[0]! + 3 * f[0]!, 3);
    tf.dispose([plain.sum, weighted.sum, first.sum]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('batched greedy decoding gives what engine generate() gives prompt by prompt', async () => {
    await setBackend(BACKEND);
    const model = await loadCausalLM(new MemoryFiles(tinyCheckpointFiles('llama', { seed: 11 })));
    const prompts = [[5, 6, 7], [8, 9, 10], [11, 12], [5, 6, 7, 8, 9], [1, 2]];
    const eos = [3];
    const before = tf.memory().numTensors;
    const batched = await greedyCompletions(model, prompts, { maxNewTokens: 6, eosTokenIds: eos, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < prompts.length; i++) {
      const single = await generate(model, prompts[i]!, { maxNewTokens: 6, eosTokenIds: eos });
      const untilEos = single.includes(3) ? single.slice(0, single.indexOf(3)) : single;
      expect(batched[i], `prompt ${i}`).toEqual(untilEos);
    }
    model.dispose();
  });

  test('trainableWeightsFrom: variables of the shipped model\'s weights give its logits, and training them leaves the loaded model as it was', async () => {
    await setBackend(BACKEND);
    const loaded = await loadCausalLM(new DirectoryFiles('public/models/safetune-demo'));
    const ids = tf.tensor2d([[5, 60, 7, 300, 12, 9]], [1, 6], 'int32');
    const logitsOf = async (m: CausalLM): Promise<number[][][]> => {
      const t = m.logits(ids);
      const a = await t.array();
      t.dispose();
      return a;
    };
    const expected = await logitsOf(loaded);
    const trainable = trainableWeightsFrom(loaded.config, loaded.weights);
    const copy = new CausalLM(loaded.config, trainable.weights);
    // The loaded model's frozen projections may take another kernel path than the variables': equal to f32 rounding.
    const maxError = (a: number[][][], b: number[][][]): number => Math.max(...a.flat(2).map((x, i) => Math.abs(x - b.flat(2)[i]!)));
    expect(maxError(await logitsOf(copy), expected)).toBeLessThan(1e-4);
    for (const v of trainable.variables.values()) v.assign(tf.zerosLike(v));
    expect(maxError(await logitsOf(copy), expected)).toBeGreaterThan(1);
    expect(await logitsOf(loaded)).toEqual(expected);
    ids.dispose();
    copy.dispose();
    loaded.dispose();
  });
});
