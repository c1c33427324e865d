import { describe, expect, it } from 'vitest';
import { isSafeTuneError, type SafeTuneErrorCode } from '../../engine/errors';
import { referenceLogits } from './llama-reference';
import { randomLora, randomWeights, tinyConfig } from './tiny-models';
import type { RefTensor } from './types';

/** Runs f and returns its SafeTuneError, failing the test if it throws anything else or nothing. */
function safeTuneErrorOf(f: () => unknown): { code: SafeTuneErrorCode; message: string; hint: string | undefined } {
  try {
    f();
  } catch (e) {
    if (isSafeTuneError(e)) return { code: e.code, message: e.message, hint: e.hint };
    throw e;
  }
  throw new Error('expected a SafeTuneError, nothing was thrown');
}

const ids = [1, 2, 3];

describe('reference forward: bad input is a clear SafeTuneError', () => {
  const config = tinyConfig('qwen2');
  const weights = randomWeights(config, 51);

  it('names an unsupported architecture', () => {
    const e = safeTuneErrorOf(() => referenceLogits({ ...config, model_type: 'mistral', architectures: ['MistralForCausalLM'] }, weights, ids));
    expect(e.code).toBe('unsupported-architecture');
    expect(e.message).toMatch(/mistral/);
    expect(e.hint).toBeDefined();
  });

  it('names a missing or invalid config key', () => {
    expect(safeTuneErrorOf(() => referenceLogits(tinyConfig('qwen2', { hidden_size: undefined }), weights, ids)).message).toMatch(/"hidden_size"/);
    expect(safeTuneErrorOf(() => referenceLogits(tinyConfig('qwen2', { num_key_value_heads: 3 }), weights, ids)).message).toMatch(/not a multiple/);
    expect(safeTuneErrorOf(() => referenceLogits(tinyConfig('qwen2', { hidden_act: 'gelu' }), weights, ids)).code).toBe('bad-config');
    expect(safeTuneErrorOf(() => referenceLogits(tinyConfig('qwen2', { rms_norm_eps: -1 }), weights, ids)).code).toBe('bad-config');
  });

  it('names a missing tensor (Qwen2 needs q / k / v biases)', () => {
    const missing = new Map(weights);
    missing.delete('model.layers.1.self_attn.k_proj.bias');
    const e = safeTuneErrorOf(() => referenceLogits(config, missing, ids));
    expect(e.code).toBe('missing-tensor');
    expect(e.message).toMatch(/"model\.layers\.1\.self_attn\.k_proj\.bias" \[32\]/);
  });

  it('names a tensor with the wrong shape, or with too little data for its shape', () => {
    const wrong = new Map(weights).set('model.layers.0.mlp.up_proj.weight', { shape: [64, 96], data: new Float64Array(64 * 96) });
    const e = safeTuneErrorOf(() => referenceLogits(config, wrong, ids));
    expect(e.code).toBe('bad-shape');
    expect(e.message).toMatch(/up_proj\.weight" has shape \[64, 96\], expected \[96, 64\]/);
    const short = new Map(weights).set('model.norm.weight', { shape: [64], data: new Float64Array(63) });
    expect(safeTuneErrorOf(() => referenceLogits(config, short, ids)).message).toMatch(/holds 63 values/);
  });

  it('names a tensor the config does not account for (Qwen2 has no o_proj bias)', () => {
    const extra = new Map(weights).set('model.layers.0.self_attn.o_proj.bias', { shape: [64], data: new Float64Array(64) } satisfies RefTensor);
    const e = safeTuneErrorOf(() => referenceLogits(config, extra, ids));
    expect(e.code).toBe('bad-config');
    expect(e.message).toMatch(/o_proj\.bias/);
  });

  it('names a token id outside the vocabulary, and an empty sequence', () => {
    expect(safeTuneErrorOf(() => referenceLogits(config, weights, [1, 300])).message).toMatch(/ids\[1\] = 300/);
    expect(safeTuneErrorOf(() => referenceLogits(config, weights, [1.5])).code).toBe('bad-argument');
    expect(safeTuneErrorOf(() => referenceLogits(config, weights, [])).code).toBe('bad-argument');
  });

  it('names a LoRA module that is not an adaptable layer, and misshapen LoRA factors', () => {
    const lora = randomLora(config, ['self_attn.q_proj'], { r: 2, alpha: 4, seed: 1 });
    const pair = lora.modules.get('model.layers.0.self_attn.q_proj') as { A: RefTensor; B: RefTensor };
    const typo = { ...lora, modules: new Map([['model.layers.0.self_attn.q_proj.weight', pair]]) };
    const e = safeTuneErrorOf(() => referenceLogits(config, weights, ids, typo));
    expect(e.code).toBe('bad-adapter');
    expect(e.message).toMatch(/q_proj\.weight" is not an adaptable layer/);
    const tooDeep = { ...lora, modules: new Map([['model.layers.2.self_attn.q_proj', pair]]) };
    expect(safeTuneErrorOf(() => referenceLogits(config, weights, ids, tooDeep)).code).toBe('bad-adapter');
    const swapped = { ...lora, modules: new Map([['model.layers.0.self_attn.q_proj', { A: pair.B, B: pair.A }]]) };
    const shape = safeTuneErrorOf(() => referenceLogits(config, weights, ids, swapped));
    expect(shape.code).toBe('bad-shape');
    expect(shape.message).toMatch(/"model\.layers\.0\.self_attn\.q_proj" A has shape \[64, 2\], expected \[2, 64\]/);
    expect(safeTuneErrorOf(() => referenceLogits(config, weights, ids, { ...lora, r: 0 })).code).toBe('bad-adapter');
  });
});
