import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { addLoraDelta, mergeAdapter } from '../../engine/export/merge';
import type { NamedHostTensor } from '../../engine/model/base-weights';
import { randomWeights, tinyModelConfig } from '../../engine/model/tiny';
import { mulberry32 } from '../../engine/util/random';
import { randomHost } from './fixtures';

/** W + scale · B · A by the definition, one output element at a time, in float64. */
function directMerge(W: Float32Array, A: Float32Array, B: Float32Array, out: number, inn: number, r: number, scale: number): Float64Array {
  const result = new Float64Array(out * inn);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inn; i++) {
      let ba = 0;
      for (let k = 0; k < r; k++) ba += B[o * r + k]! * A[k * inn + i]!;
      result[o * inn + i] = W[o * inn + i]! + scale * ba;
    }
  }
  return result;
}

function random(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * rand() - 1);
}

/** Largest |a - b| relative to max(1, |b|). */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

describe('addLoraDelta', () => {
  it('computes W + scale · B · A on small random matrices', () => {
    for (const [out, inn, r] of [[5, 7, 3], [1, 1, 1], [16, 9, 8]] as const) {
      const W = random(out * inn, 1);
      const A = random(r * inn, 2);
      const B = random(out * r, 3);
      const merged = addLoraDelta(W, A, B, { out, in: inn, r }, 1.75);
      expect(merged).toHaveLength(out * inn);
      // float64 sums rounded once to float32: within float32 rounding of the exact value
      expect(maxRelDiff(merged, directMerge(W, A, B, out, inn, r, 1.75))).toBeLessThan(2 ** -23);
      expect(maxRelDiff(merged, W)).toBeGreaterThan(1e-2);
    }
  });

  it('leaves W untouched and gives W back exactly for B = 0', () => {
    const W = random(12, 4);
    const copy = W.slice();
    expect(addLoraDelta(W, random(8, 5), new Float32Array(6), { out: 3, in: 4, r: 2 }, 2)).toEqual(W);
    expect(W).toEqual(copy);
  });
});

describe('mergeAdapter', () => {
  const model = tinyModelConfig('qwen3', 64);
  const base = randomWeights(model, 7);

  for (const useRslora of [false, true]) {
    it(`merges every adapted projection with scale ${useRslora ? 'alpha / √r (rsLoRA)' : 'alpha / r'}, and nothing else`, () => {
      const host = randomHost(model, { r: 4, alpha: 6, targets: ['q_proj', 'v_proj', 'down_proj'], useRslora }, 8);
      const scale = useRslora ? 6 / 2 : 6 / 4;
      const wrongScale = useRslora ? 6 / 4 : 6 / 2;
      const snapshot = new Map([...base].map(([k, v]) => [k, v.data.slice()]));
      const merged = mergeAdapter(base, host);

      expect([...merged.keys()]).toEqual([...base.keys()]);
      for (const [name, tensor] of merged) {
        const path = name.replace(/\.weight$/, '');
        const m = host.modules.get(path);
        if (m === undefined) {
          expect(tensor, name).toBe(base.get(name)); // the very same object
          continue;
        }
        const [out, inn] = tensor.shape as [number, number];
        expect(tensor.shape).toEqual(base.get(name)!.shape);
        const W = base.get(name)!.data;
        expect(maxRelDiff(tensor.data, directMerge(W, m.A, m.B, out, inn, 4, scale)), name).toBeLessThan(2 ** -23);
        expect(maxRelDiff(tensor.data, directMerge(W, m.A, m.B, out, inn, 4, wrongScale)), name).toBeGreaterThan(1e-3);
      }
      expect([...merged.values()].filter((t, i) => t !== [...base.values()][i])).toHaveLength(3 * model.numLayers);
      for (const [name, data] of snapshot) expect(base.get(name)!.data, name).toEqual(data); // input not modified
    });
  }

  it('names the tensor when the adapter does not fit the base model', () => {
    const host = randomHost(model, { r: 2, targets: ['k_proj'] }, 9);
    const missing = new Map(base);
    missing.delete('model.layers.1.self_attn.k_proj.weight');
    expect(() => mergeAdapter(missing, host)).toThrow(/the base model has no tensor model\.layers\.1\.self_attn\.k_proj\.weight/);

    const other = new Map<string, NamedHostTensor>(base);
    other.set('model.layers.0.self_attn.k_proj.weight', { shape: [96, 64], data: new Float32Array(96 * 64) });
    let error: unknown;
    try {
      mergeAdapter(other, host);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SafeTuneError);
    expect((error as SafeTuneError).code).toBe('bad-adapter');
    expect((error as SafeTuneError).message).toMatch(/model\.layers\.0\.self_attn\.k_proj maps 64 -> 48 features but the base tensor model\.layers\.0\.self_attn\.k_proj\.weight has shape \[96, 64\]/);
  });
});
