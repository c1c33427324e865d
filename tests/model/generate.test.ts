import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { randomHostLora } from '../helpers/random-lora';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { loadCausalLM } from '../../engine/model/load';
import { chooseToken, generate } from '../../engine/model/generate';
import { mulberry32 } from '../../engine/util/random';

describe.each(BACKENDS)('generation with a KV cache on %s', (backend) => {
  test.each(['llama', 'qwen3'] as const)('%s: greedy decoding equals argmax of a full forward pass at every step', async (arch) => {
    await setBackend(backend);
    const files = new MemoryFiles(tinyCheckpointFiles(arch, { seed: 4 }));
    const probe = await loadCausalLM(files);
    const lora = randomHostLora(probe.config, 9);
    probe.dispose();
    const model = await loadCausalLM(files, { adapter: { kind: 'weights', weights: lora } });
    const prompt = [10, 20, 30, 40];
    const before = tf.memory().numTensors;
    const fast = await generate(model, prompt, { maxNewTokens: 8, eosTokenIds: [] });
    expect(tf.memory().numTensors).toBe(before);
    expect(fast).toHaveLength(8);
    const seq = [...prompt];
    for (let i = 0; i < 8; i++) {
      const logits = tf.tidy(() => model.logits(tf.tensor2d([seq], [1, seq.length], 'int32')).slice([0, seq.length - 1, 0], [1, 1, -1]).reshape([-1]));
      const next = (await logits.argMax().data())[0]!;
      logits.dispose();
      expect(fast[i]).toBe(next);
      seq.push(next);
    }
    model.dispose();
  });

  test('stops at EOS and returns it', async () => {
    await setBackend(backend);
    const model = await loadCausalLM(new MemoryFiles(tinyCheckpointFiles('qwen2', { seed: 4 })));
    const free = await generate(model, [1, 2, 3], { maxNewTokens: 6, eosTokenIds: [] });
    const stopped = await generate(model, [1, 2, 3], { maxNewTokens: 6, eosTokenIds: [free[2]!] });
    expect(stopped).toEqual(free.slice(0, free.indexOf(free[2]!) + 1));
    model.dispose();
  });
});

describe('sampling', () => {
  const logits = Float32Array.from([2, 1, 0.5, -1, 3]);

  test('temperature 0 is argmax', () => {
    expect(chooseToken(logits, 0, 1, mulberry32(1))).toBe(4);
  });

  test('top-p keeps only the nucleus; frequencies follow the renormalised softmax', () => {
    const rand = mulberry32(3);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 20000; i++) counts[chooseToken(logits, 1, 0.8, rand)]!++;
    // softmax: p4 ≈ 0.61, p0 ≈ 0.22, p1 ≈ 0.08: the smallest set reaching 0.8 is {4, 0}.
    expect(counts[1]! + counts[2]! + counts[3]!).toBe(0);
    const p4 = Math.exp(3) / (Math.exp(3) + Math.exp(2));
    expect(counts[4]! / 20000).toBeCloseTo(p4, 1);
  });

  test('the same seed gives the same samples', () => {
    const draw = (seed: number): number[] => {
      const rand = mulberry32(seed);
      return Array.from({ length: 40 }, () => chooseToken(logits, 1.3, 0.95, rand));
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });
});
