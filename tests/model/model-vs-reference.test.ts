import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { randomHostLora, toRefLora } from '../helpers/random-lora';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import type { TinyArch } from '../../engine/model/tiny';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { loadCausalLM } from '../../engine/model/load';
import { referenceLogits, type RefTensor } from '../reference/llama-reference';

/** The checkpoint's tensors as the reference takes them (the same f32 values the engine uploads, bf16 already widened). */
async function referenceWeights(files: MemoryFiles): Promise<Map<string, RefTensor>> {
  const all = await (await openWeightShards(files)).readAll();
  return new Map([...all].map(([name, t]) => [name, { shape: t.shape, data: t.data }]));
}

const CASES: { arch: TinyArch; dtype: 'f32' | 'bf16'; shards: number }[] = [
  { arch: 'llama', dtype: 'f32', shards: 1 },
  { arch: 'llama', dtype: 'bf16', shards: 1 },
  { arch: 'llama3', dtype: 'f32', shards: 1 },
  { arch: 'llama3', dtype: 'bf16', shards: 1 },
  { arch: 'qwen2', dtype: 'f32', shards: 3 },
  { arch: 'qwen2', dtype: 'bf16', shards: 3 },
  { arch: 'qwen3', dtype: 'f32', shards: 1 },
  { arch: 'qwen3', dtype: 'bf16', shards: 2 },
];

const IDS = [5, 117, 42, 300, 7, 7, 256, 1, 99, 310, 64, 12];
const worst = new Map<string, number>();

describe.each(BACKENDS)('tfjs model vs float64 reference on %s', (backend) => {
  test.each(CASES)('$arch $dtype ($shards shard(s)): logits match with and without LoRA', async ({ arch, dtype, shards }) => {
    await setBackend(backend);
    const files = new MemoryFiles(tinyCheckpointFiles(arch, { dtype, shards, seed: 7 }), `tiny ${arch}`);
    const hfConfig = JSON.parse(await files.text('config.json')) as Record<string, unknown>;
    const weights = await referenceWeights(files);
    for (const withLora of [false, true]) {
      const model = await loadCausalLM(files);
      const lora = withLora ? randomHostLora(model.config, 3, { useRslora: arch === 'qwen3' }) : undefined;
      model.dispose();
      const loaded = await loadCausalLM(files, lora ? { adapter: { kind: 'weights', weights: lora } } : {});
      const got = tf.tidy(() => loaded.logits(tf.tensor2d([IDS], [1, IDS.length], 'int32')));
      const values = await got.data();
      got.dispose();
      loaded.dispose();
      const want = referenceLogits(hfConfig, weights, IDS, lora ? toRefLora(lora) : undefined);
      expect(values.length).toBe(want.length);
      let maxErr = 0;
      let maxRef = 0;
      for (let i = 0; i < want.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(values[i]! - want[i]!));
        maxRef = Math.max(maxRef, Math.abs(want[i]!));
      }
      const key = `${backend} ${arch} ${dtype}${withLora ? ' +lora' : ''}`;
      worst.set(key, maxErr);
      // f32 arithmetic against float64 over two layers: errors ~1e-6 of the logits' scale; software GPUs' exp a bit worse.
      expect(maxErr).toBeLessThan(2e-5 * Math.max(1, maxRef) * (backend === 'webgpu' ? 10 : 1));
    }
  });
});

afterAll(() => {
  // The closing note reports these: largest |logit error| per backend / architecture / dtype.
  console.log([...worst].map(([k, e]) => `${k}: ${e.toExponential(2)}`).join('\n'));
});
