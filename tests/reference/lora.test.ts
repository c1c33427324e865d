import { describe, expect, it } from 'vitest';
import { referenceLogits } from './llama-reference';
import { ALL_LORA_TARGETS, randomLora, randomWeights, tinyConfig } from './tiny-models';
import type { RefLora, RefTensor } from './types';

const ids = [1, 200, 37, 37, 5, 299, 0, 64];

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] as number))), 0);
}

/** W + scale * B A for every adapted module: what PEFT's merge_and_unload produces. */
function merge(weights: Map<string, RefTensor>, lora: RefLora, scale: number): Map<string, RefTensor> {
  const merged = new Map(weights);
  for (const [path, { A, B }] of lora.modules) {
    const w = weights.get(`${path}.weight`) as RefTensor;
    const [out, inFeatures] = w.shape as [number, number];
    const data = Float64Array.from(w.data);
    for (let o = 0; o < out; o++) {
      for (let i = 0; i < inFeatures; i++) {
        let ba = 0;
        for (let k = 0; k < lora.r; k++) ba += (B.data[o * lora.r + k] as number) * (A.data[k * inFeatures + i] as number);
        data[o * inFeatures + i] = (data[o * inFeatures + i] as number) + scale * ba;
      }
    }
    merged.set(`${path}.weight`, { shape: w.shape, data });
  }
  return merged;
}

describe('LoRA in the reference forward', () => {
  for (const arch of ['llama', 'qwen2', 'qwen3'] as const) {
    const config = tinyConfig(arch, arch === 'llama' ? { attention_bias: true, mlp_bias: true } : {});
    const weights = randomWeights(config, 31);

    it(`${arch}: an adapter with B = 0 gives exactly the base logits`, () => {
      const lora = randomLora(config, ALL_LORA_TARGETS, { r: 4, alpha: 8, seed: 1 });
      for (const pair of lora.modules.values()) pair.B = { shape: pair.B.shape, data: new Float64Array(pair.B.data.length) };
      expect(referenceLogits(config, weights, ids, lora)).toEqual(referenceLogits(config, weights, ids));
    });

    it(`${arch}: an adapter on all seven projections equals the merged weights W + (alpha / r) B A`, () => {
      const lora = randomLora(config, ALL_LORA_TARGETS, { r: 4, alpha: 8, seed: 2 });
      const adapted = referenceLogits(config, weights, ids, lora);
      expect(maxAbsDiff(adapted, referenceLogits(config, merge(weights, lora, 8 / 4), ids))).toBeLessThan(1e-11);
      expect(maxAbsDiff(adapted, referenceLogits(config, weights, ids))).toBeGreaterThan(1e-3);
    });
  }

  it('rsLoRA scales by alpha / sqrt(r)', () => {
    const config = tinyConfig('llama');
    const weights = randomWeights(config, 32);
    const lora = randomLora(config, ['self_attn.v_proj', 'mlp.up_proj'], { r: 4, alpha: 6, useRslora: true, seed: 3 });
    const adapted = referenceLogits(config, weights, ids, lora);
    expect(maxAbsDiff(adapted, referenceLogits(config, merge(weights, lora, 6 / 2), ids))).toBeLessThan(1e-11);
    expect(maxAbsDiff(adapted, referenceLogits(config, merge(weights, lora, 6 / 4), ids))).toBeGreaterThan(1e-4);
  });

  it('applies each module\'s adapter to that module only', () => {
    const config = tinyConfig('qwen3');
    const weights = randomWeights(config, 33);
    const lora = randomLora(config, ['self_attn.o_proj'], { r: 2, alpha: 2, seed: 4 });
    lora.modules.delete('model.layers.0.self_attn.o_proj'); // adapt layer 1's o_proj alone
    const merged = merge(weights, lora, 1);
    expect(merged.get('model.layers.0.self_attn.o_proj.weight')).toBe(weights.get('model.layers.0.self_attn.o_proj.weight'));
    expect(maxAbsDiff(referenceLogits(config, weights, ids, lora), referenceLogits(config, merged, ids))).toBeLessThan(1e-11);
  });
});
