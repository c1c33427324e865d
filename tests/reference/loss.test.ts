import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { IGNORE_INDEX, referenceLogits, referenceLoss } from './llama-reference';
import { randomLora, randomWeights, tinyConfig } from './tiny-models';
import type { RefTensor } from './types';

const config = tinyConfig('qwen2');
const weights = randomWeights(config, 41);
const ids = [10, 20, 30, 40, 50, 60];
const V = 300;

/** -log softmax(logits[t])[y], directly as log(sum exp) - logit: a different route than the reference's max-shift. */
function nll(logits: Float64Array, t: number, y: number): number {
  const row = logits.slice(t * V, (t + 1) * V);
  return Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - (row[y] as number);
}

describe('referenceLoss (HF convention: labels aligned with ids, logits[t] predicts labels[t + 1])', () => {
  it('is the mean NLL over the non-ignored targets', () => {
    const labels = [IGNORE_INDEX, IGNORE_INDEX, 30, 7, IGNORE_INDEX, 60];
    const logits = referenceLogits(config, weights, ids);
    const expected = (nll(logits, 1, 30) + nll(logits, 2, 7) + nll(logits, 4, 60)) / 3;
    expect(referenceLoss(config, weights, ids, labels)).toBeCloseTo(expected, 12);
  });

  it('never scores labels[0], and ignores -100 targets entirely', () => {
    const a = referenceLoss(config, weights, ids, [IGNORE_INDEX, 20, 30, IGNORE_INDEX, 50, 60]);
    expect(referenceLoss(config, weights, ids, [123, 20, 30, IGNORE_INDEX, 50, 60])).toBe(a);
    const logits = referenceLogits(config, weights, ids);
    expect(a).toBeCloseTo((nll(logits, 0, 20) + nll(logits, 1, 30) + nll(logits, 3, 50) + nll(logits, 4, 60)) / 4, 12);
  });

  it('is log(vocab) when every logit is equal (lm_head = 0)', () => {
    const untied = tinyConfig('llama');
    const zeroHead = new Map(randomWeights(untied, 42)).set('lm_head.weight', { shape: [V, 64], data: new Float64Array(V * 64) } satisfies RefTensor);
    expect(referenceLoss(untied, zeroHead, ids, ids)).toBeCloseTo(Math.log(V), 12);
  });

  it('uses the adapter when one is given', () => {
    const lora = randomLora(config, ['self_attn.q_proj'], { r: 2, alpha: 4, seed: 5 });
    const logits = referenceLogits(config, weights, ids, lora);
    const expected = [1, 2, 3, 4, 5].reduce((s, t) => s + nll(logits, t - 1, ids[t] as number), 0) / 5;
    expect(referenceLoss(config, weights, ids, ids, lora)).toBeCloseTo(expected, 12);
  });

  it('rejects misaligned labels, labels that are neither -100 nor a token id, and a sequence with no target', () => {
    expect(() => referenceLoss(config, weights, ids, ids.slice(1))).toThrow(/5 labels for 6 ids/);
    expect(() => referenceLoss(config, weights, ids, [0, 1, -1, 3, 4, 5])).toThrow(/labels\[2\] = -1/);
    expect(() => referenceLoss(config, weights, ids, [0, 1, 2, 3, 4, V])).toThrow(SafeTuneError);
    expect(() => referenceLoss(config, weights, ids, [5, -100, -100, -100, -100, -100])).toThrow(/no label after position 0/);
    expect(() => referenceLoss(config, weights, [7], [7])).toThrow(/no label after position 0/);
  });
});
