import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { randomHostLora, toRefLora } from '../helpers/random-lora';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { loadCausalLM } from '../../engine/model/load';
import { meanNll } from '../../engine/model/loss';
import { finiteDifferenceGradient, referenceLoss, type RefTensor } from '../reference/llama-reference';
import type { HostLoraWeights } from '../../engine/model/lora';

const IDS = [3, 88, 140, 9, 201, 45, 45, 310, 2];
const LABELS = [-100, -100, -100, -100, 201, 45, 45, 310, 2]; // loss on the last five tokens only

describe.each(BACKENDS)('LoRA gradients on %s', (backend) => {
  test.each(['llama3', 'qwen3'] as const)('%s: tfjs gradients match finite differences of the float64 reference', async (arch) => {
    await setBackend(backend);
    const files = new MemoryFiles(tinyCheckpointFiles(arch, { seed: 11 }));
    const hf = JSON.parse(await files.text('config.json')) as Record<string, unknown>;
    const all = await (await openWeightShards(files)).readAll();
    const weights = new Map<string, RefTensor>([...all].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
    const probe = await loadCausalLM(files);
    const host: HostLoraWeights = randomHostLora(probe.config, 5, { r: 2, alpha: 4 });
    probe.dispose();
    const model = await loadCausalLM(files, { adapter: { kind: 'weights', weights: host } });
    const batch = { ids: Int32Array.from(IDS), labels: Int32Array.from(LABELS), batchSize: 1, seqLen: IDS.length };
    const { grads } = tf.variableGrads(() => meanNll(model, batch), model.adapter!.variables());

    // Layer 0's adapters: their gradient has to flow back through the frozen layer 1. Layer 1's down_proj too.
    for (const path of ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.0.mlp.up_proj', 'model.layers.1.mlp.down_proj']) {
      const mod = model.adapter!.modules().find((m) => m.path === path)!;
      for (const which of ['A', 'B'] as const) {
        const got = await grads[mod[which].name]!.data();
        const entry = host.modules.get(path)!;
        const base = Float64Array.from(entry[which]);
        const loss = (x: Float64Array): number => {
          const lora = toRefLora(host);
          const m = lora.modules.get(path)!;
          lora.modules.set(path, { ...m, [which]: { shape: m[which].shape, data: x } });
          return referenceLoss(hf, weights, IDS, LABELS, lora);
        };
        const indices = [0, 1, Math.floor(base.length / 2), base.length - 1];
        const fd = finiteDifferenceGradient(loss, base, 1e-4, indices); // fd[k] is the derivative along indices[k]
        indices.forEach((i, k) => {
          const scale = Math.max(1e-3, Math.abs(fd[k]!));
          expect(Math.abs(got[i]! - fd[k]!) / scale, `${path} ${which}[${i}]: tfjs ${got[i]} vs fd ${fd[k]}`).toBeLessThan(backend === 'webgpu' ? 2e-2 : 5e-3);
        });
      }
    }
    for (const g of Object.values(grads)) g.dispose();
    model.dispose();
  });

  test('repeated forward/backward steps leave numTensors unchanged', async () => {
    await setBackend(backend);
    const files = new MemoryFiles(tinyCheckpointFiles('qwen2', { seed: 2 }));
    const model = await loadCausalLM(files, { adapter: { kind: 'init', config: { r: 4, alpha: 8, dropout: 0.1, targets: ['q_proj', 'v_proj', 'down_proj'], useRslora: false }, seed: 1 } });
    const batch = { ids: Int32Array.from(IDS), labels: Int32Array.from(LABELS), batchSize: 1, seqLen: IDS.length };
    const step = (seed: number): void => {
      const { value, grads } = tf.variableGrads(() => meanNll(model, batch, { training: true, seed }), model.adapter!.variables());
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
    };
    step(0);
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 10; i++) step(i);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
