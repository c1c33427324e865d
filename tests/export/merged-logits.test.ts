import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../engine/backend';
import { exportMergedModel } from '../../engine/export/merge';
import { peftAdapterFiles, readPeftAdapter, writePeftAdapter } from '../../engine/export/peft-adapter';
import type { CausalLM } from '../../engine/model/causal-lm';
import { loadCausalLM, readModelConfig } from '../../engine/model/load';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { randomHost } from './fixtures';

const ids = [3, 17, 42, 8, 25, 11, 60];

async function logitsOf(model: CausalLM): Promise<Float32Array> {
  const input = tf.tensor2d([ids], [1, ids.length], 'int32');
  const logits = model.logits(input);
  const data = (await logits.data()) as Float32Array; // sync point: reads the logits back
  tf.dispose([input, logits]);
  model.dispose();
  return data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);
}

// The whole export path on tfjs-cpu: an adapter written as PEFT files and read back, applied on the fly, must give the
// logits of the model with that adapter merged into its weights.
describe('a merged model gives the logits of base + adapter', () => {
  beforeAll(() => useBackend('cpu'));

  for (const [arch, useRslora] of [['llama', false], ['qwen3', true]] as const) {
    it(`${arch}${useRslora ? ' (rsLoRA)' : ''}`, async () => {
      const base = new MemoryFiles(tinyCheckpointFiles(arch, { seed: 21 }), `tiny ${arch}`);
      const config = await readModelConfig(base);
      const trained = randomHost(config, { r: 4, alpha: 8, useRslora }, 22);
      const adapter = await readPeftAdapter(new MemoryFiles(peftAdapterFiles(writePeftAdapter(trained, `tiny-${arch}`))), config);
      expect(adapter).toEqual(trained);

      const withAdapter = await logitsOf(await loadCausalLM(base, { adapter: { kind: 'weights', weights: adapter } }));
      const merged = await logitsOf(await loadCausalLM(new MemoryFiles(await exportMergedModel(base, adapter, { dtype: 'F32' }))));
      const plain = await logitsOf(await loadCausalLM(base));

      expect(maxAbsDiff(withAdapter, plain)).toBeGreaterThan(0.05); // the adapter does change the model...
      expect(maxAbsDiff(merged, withAdapter)).toBeLessThan(1e-4); // ...and merging keeps exactly that change
    });
  }
});
