/**
 * The reference against Hugging Face itself: logits, loss and RoPE tables that transformers (+ PEFT) computed for the
 * cases in hf-golden/cases.ts (see hf-golden/README.md for how and with which versions).
 *  - "f64": transformers with its deliberate float32 steps redirected to float64; the reference must agree to
 *    rounding (1e-12), so even float32-sized formula slips (eps placement, RoPE details) cannot hide.
 *  - "hf":  transformers as it runs a float64 model (RMSNorm, RoPE, softmax and loss partly in float32); agreement
 *    to 5e-6 shows those float32 steps are the only difference.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_CASES } from './hf-golden/cases';
import { referenceLogits, referenceLoss } from './llama-reference';
import { parseRefConfig } from './ref-config';
import { randomLora, randomWeights } from './tiny-models';

interface GoldenRun {
  logits: number[];
  loss: number;
  inv_freq: number[];
}
interface GoldenFile {
  versions: Record<string, string | null>;
  cases: Record<string, { hf: GoldenRun; f64: GoldenRun }>;
}

const golden = JSON.parse(readFileSync(new URL('./hf-golden/hf-golden.json', import.meta.url), 'utf8')) as GoldenFile;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

describe(`reference vs Hugging Face transformers ${golden.versions['transformers']} (peft ${golden.versions['peft']})`, () => {
  it('has a golden result for every case and no stale ones', () => {
    expect(Object.keys(golden.cases).sort()).toEqual(GOLDEN_CASES.map((c) => c.name).sort());
  });

  for (const c of GOLDEN_CASES) {
    it(c.name, () => {
      const expected = golden.cases[c.name];
      expect(expected).toBeDefined();
      if (expected === undefined) return;
      const weights = randomWeights(c.config, c.weightSeed);
      const lora = c.lora === null ? undefined : randomLora(c.config, c.lora.targets, c.lora);
      const logits = referenceLogits(c.config, weights, c.ids, lora);
      const loss = referenceLoss(c.config, weights, c.ids, c.labels, lora);
      const invFreq = parseRefConfig(c.config).rope.invFreq;

      expect(maxAbsDiff(logits, expected.f64.logits)).toBeLessThan(1e-12);
      expect(Math.abs(loss - expected.f64.loss)).toBeLessThan(1e-12);
      expect(maxAbsDiff(invFreq, expected.f64.inv_freq)).toBeLessThan(1e-15);

      expect(maxAbsDiff(logits, expected.hf.logits)).toBeLessThan(5e-6);
      expect(Math.abs(loss - expected.hf.loss)).toBeLessThan(5e-6);
    });
  }
});
