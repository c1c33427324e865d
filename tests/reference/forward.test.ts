import { describe, expect, it } from 'vitest';
import { referenceLogits } from './llama-reference';
import { randomWeights, tinyConfig } from './tiny-models';
import type { RefTensor } from './types';

const t = (shape: number[], values: number[]): RefTensor => ({ shape, data: Float64Array.from(values) });
const zeros = (shape: number[]): RefTensor => ({ shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) });
const identity = (n: number): RefTensor => t([n, n], Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)));

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] as number))), 0);
}

/**
 * A 1-layer Llama small enough to compute by hand: vocab 3, hidden 4, 2 heads of 2, eps 0, MLP off (down_proj 0).
 * Embeddings e0 = [1,-1,1,-1] (rms 1), e1 = [2,2,2,2] (rms 2), e2 = [3,0,0,0] (rms 1.5); final norm gain [1,2,3,4];
 * lm_head reads dims 0, 1 and 2+3.
 */
function handModel(attention: 'off' | 'uniform') {
  const config = tinyConfig('llama', {
    vocab_size: 3,
    hidden_size: 4,
    intermediate_size: 2,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 2,
    rms_norm_eps: 0,
    tie_word_embeddings: false,
  });
  const p = 'model.layers.0';
  const weights = new Map<string, RefTensor>([
    ['model.embed_tokens.weight', t([3, 4], [1, -1, 1, -1, 2, 2, 2, 2, 3, 0, 0, 0])],
    [`${p}.input_layernorm.weight`, t([4], [1, 1, 1, 1])],
    // q = 0: every score is 0, so attention averages v over the visible (past and current) positions, whatever RoPE does.
    [`${p}.self_attn.q_proj.weight`, zeros([4, 4])],
    [`${p}.self_attn.k_proj.weight`, identity(4)],
    [`${p}.self_attn.v_proj.weight`, identity(4)],
    [`${p}.self_attn.o_proj.weight`, attention === 'off' ? zeros([4, 4]) : identity(4)],
    [`${p}.post_attention_layernorm.weight`, t([4], [1, 1, 1, 1])],
    [`${p}.mlp.gate_proj.weight`, t([2, 4], [1, 2, 3, 4, -1, 0, 1, 0])],
    [`${p}.mlp.up_proj.weight`, t([2, 4], [1, 1, 1, 1, 0, 1, 0, 1])],
    [`${p}.mlp.down_proj.weight`, zeros([4, 2])],
    ['model.norm.weight', t([4], [1, 2, 3, 4])],
    ['lm_head.weight', t([3, 4], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1])],
  ]);
  return { config, weights };
}

describe('referenceLogits on hand-computable models', () => {
  it('with attention and MLP outputs zeroed, logits are lm_head(norm(embedding))', () => {
    const { config, weights } = handModel('off');
    const logits = referenceLogits(config, weights, [0, 1, 2]);
    // norm(e0) * g = [1,-2,3,-4] -> [1,-2,-1]; norm(e1) * g = [1,2,3,4] -> [1,2,7]; norm(e2) * g = [2,0,0,0] -> [2,0,0]
    const expected = [1, -2, -1, 1, 2, 7, 2, 0, 0];
    expect(logits).toHaveLength(9);
    logits.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 12));
  });

  it('with q = 0, attention is the causal running mean of the normed inputs', () => {
    const { config, weights } = handModel('uniform');
    const logits = referenceLogits(config, weights, [0, 1, 2]);
    // h0 = e0 + n0 = [2,-2,2,-2] -> norm * g = [1,-2,3,-4]
    // h1 = e1 + (n0 + n1) / 2 = [3,2,3,2] -> [3,4,9,8] / sqrt(6.5)
    // h2 = e2 + (n0 + n1 + n2) / 3 = [13/3, 0, 2/3, 0] -> [26, 0, 12, 0] / sqrt(173)
    const r1 = Math.sqrt(6.5);
    const r2 = Math.sqrt(173);
    const expected = [1, -2, -1, 3 / r1, 4 / r1, 17 / r1, 26 / r2, 0, 12 / r2];
    logits.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 12));
  });
});

describe('referenceLogits properties', () => {
  const ids = [5, 17, 250, 3, 99, 42, 0, 299, 7, 64, 128, 1, 2, 3, 4, 5];

  it('is causal: logits at t do not change when tokens after t change', () => {
    for (const arch of ['llama', 'qwen2', 'qwen3'] as const) {
      const config = tinyConfig(arch);
      const weights = randomWeights(config, 7);
      const changed = [...ids.slice(0, 6), 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
      const a = referenceLogits(config, weights, ids);
      const b = referenceLogits(config, weights, changed);
      const V = 300;
      expect(a.slice(0, 6 * V)).toEqual(b.slice(0, 6 * V));
      expect(maxAbsDiff(a.slice(6 * V, 7 * V), b.slice(6 * V, 7 * V))).toBeGreaterThan(1e-3);
    }
  });

  it('grouped-query attention equals multi-head attention with each kv head duplicated for its query heads', () => {
    // GQA: 4 query heads over 2 kv heads of 16 dims; query heads 0,1 read kv head 0 and 2,3 read kv head 1 (repeat_kv).
    const gqaConfig = tinyConfig('qwen2'); // q / k / v biases too, so the biases must be duplicated the same way
    const gqa = randomWeights(gqaConfig, 3);
    const mhaConfig = tinyConfig('qwen2', { num_key_value_heads: 4 });
    const mha = new Map(gqa);
    const headDim = 16;
    const hidden = 64;
    for (let layer = 0; layer < 2; layer++) {
      for (const proj of ['k_proj', 'v_proj']) {
        const name = `model.layers.${layer}.self_attn.${proj}`;
        const w = gqa.get(`${name}.weight`) as RefTensor;
        const b = gqa.get(`${name}.bias`) as RefTensor;
        const w4 = new Float64Array(4 * headDim * hidden);
        const b4 = new Float64Array(4 * headDim);
        for (let head = 0; head < 4; head++) {
          const kvHead = Math.floor(head / 2);
          w4.set(w.data.slice(kvHead * headDim * hidden, (kvHead + 1) * headDim * hidden), head * headDim * hidden);
          b4.set(b.data.slice(kvHead * headDim, (kvHead + 1) * headDim), head * headDim);
        }
        mha.set(`${name}.weight`, { shape: [4 * headDim, hidden], data: w4 });
        mha.set(`${name}.bias`, { shape: [4 * headDim], data: b4 });
      }
    }
    const a = referenceLogits(gqaConfig, gqa, ids);
    const b = referenceLogits(mhaConfig, mha, ids);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-12);
  });

  it('tie_word_embeddings uses embed_tokens as lm_head', () => {
    const tiedConfig = tinyConfig('llama', { tie_word_embeddings: true });
    const tied = randomWeights(tiedConfig, 5);
    expect(tied.has('lm_head.weight')).toBe(false);
    const untied = new Map(tied).set('lm_head.weight', tied.get('model.embed_tokens.weight') as RefTensor);
    const a = referenceLogits(tiedConfig, tied, ids);
    const b = referenceLogits(tinyConfig('llama', { tie_word_embeddings: false }), untied, ids);
    expect(a).toEqual(b);
    // A tied checkpoint that also stores lm_head.weight (as HF sometimes saves it) still reads embed_tokens.
    expect(referenceLogits(tiedConfig, new Map(untied), ids)).toEqual(a);
  });

  it('Qwen3 normalises each q / k head: scaling one head\'s q_proj rows, or all of k_proj, changes nothing (eps 0)', () => {
    const config = tinyConfig('qwen3', { rms_norm_eps: 0 });
    const weights = randomWeights(config, 9);
    const scaled = new Map(weights);
    const headDim = 24;
    const hidden = 64;
    const q = weights.get('model.layers.0.self_attn.q_proj.weight') as RefTensor;
    const qScaled = Float64Array.from(q.data);
    for (let i = headDim * hidden; i < 2 * headDim * hidden; i++) qScaled[i] = (qScaled[i] as number) * 3; // head 1 only
    scaled.set('model.layers.0.self_attn.q_proj.weight', { shape: q.shape, data: qScaled });
    const k = weights.get('model.layers.1.self_attn.k_proj.weight') as RefTensor;
    scaled.set('model.layers.1.self_attn.k_proj.weight', { shape: k.shape, data: k.data.map((x) => x * 0.25) });
    expect(maxAbsDiff(referenceLogits(config, weights, ids), referenceLogits(config, scaled, ids))).toBeLessThan(1e-12);
    // The same change in Llama (no q / k norm) does change the logits: the test above is not vacuous.
    const llamaConfig = tinyConfig('llama', { rms_norm_eps: 0 });
    const llama = randomWeights(llamaConfig, 9);
    const lq = llama.get('model.layers.0.self_attn.q_proj.weight') as RefTensor;
    const llamaScaled = new Map(llama).set('model.layers.0.self_attn.q_proj.weight', { shape: lq.shape, data: lq.data.map((x) => x * 3) });
    expect(maxAbsDiff(referenceLogits(llamaConfig, llama, ids), referenceLogits(llamaConfig, llamaScaled, ids))).toBeGreaterThan(1e-3);
  });

  it('a sliding window of 1 makes each position see only itself; a window >= T is full attention', () => {
    const full = tinyConfig('qwen2');
    const weights = randomWeights(full, 13);
    const window1 = tinyConfig('qwen2', { use_sliding_window: true, sliding_window: 1, max_window_layers: 0 });
    const logits = referenceLogits(window1, weights, ids.slice(0, 5));
    ids.slice(0, 5).forEach((id, position) => {
      const alone = referenceLogits(full, weights, [id]); // position 0; with one visible key RoPE cannot matter
      expect(maxAbsDiff(logits.slice(position * 300, (position + 1) * 300), alone)).toBeLessThan(1e-12);
    });
    const wide = tinyConfig('qwen2', { use_sliding_window: true, sliding_window: 16, max_window_layers: 0 });
    expect(referenceLogits(wide, weights, ids)).toEqual(referenceLogits(full, weights, ids));
    // use_sliding_window false (the default) ignores sliding_window, as Qwen2Config does.
    const off = tinyConfig('qwen2', { sliding_window: 1, max_window_layers: 0 });
    expect(referenceLogits(off, weights, ids)).toEqual(referenceLogits(full, weights, ids));
  });

  it('llama3 rope scaling changes the logits (the scaled frequencies are used)', () => {
    const plain = tinyConfig('llama');
    const scaled = tinyConfig('llama', {
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 },
    });
    const weights = randomWeights(plain, 17);
    const a = referenceLogits(plain, weights, ids);
    const b = referenceLogits(scaled, weights, ids);
    expect(a.slice(0, 300)).toEqual(b.slice(0, 300)); // position 0 is not rotated
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-6);
  });

  it('accepts float32 weight data (as read from safetensors) and gives the same result as the same values in float64', () => {
    const config = tinyConfig('qwen3');
    const weights64 = randomWeights(config, 19);
    const weights32 = new Map([...weights64].map(([name, w]) => [name, { shape: w.shape, data: Float32Array.from(w.data) }]));
    const rounded64 = new Map([...weights32].map(([name, w]) => [name, { shape: w.shape, data: Float64Array.from(w.data) }]));
    expect(referenceLogits(config, weights32, ids)).toEqual(referenceLogits(config, rounded64, ids));
  });

  it('runs a 2-layer, hidden-64, vocab-300, 16-token model well under a second', () => {
    const config = tinyConfig('llama');
    const weights = randomWeights(config, 23);
    const start = performance.now();
    const logits = referenceLogits(config, weights, ids);
    const elapsed = performance.now() - start;
    expect(logits).toHaveLength(16 * 300);
    expect(logits.every(Number.isFinite)).toBe(true);
    expect(elapsed).toBeLessThan(500);
  });
});
