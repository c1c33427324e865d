import { describe, expect, it } from 'vitest';
import { isSafeTuneError } from '../../engine/errors';
import { applyRope, defaultInverseFrequencies, parseRope } from './rope';

const llama3 = { factor: 8, low_freq_factor: 1, high_freq_factor: 8, original_max_position_embeddings: 256 };

describe('RoPE inverse frequencies', () => {
  it('default: 1 / theta^(2i / d)', () => {
    const invFreq = defaultInverseFrequencies(10000, 8);
    [1, 0.1, 0.01, 0.001].forEach((expected, i) => expect(invFreq[i]).toBeCloseTo(expected, 15));
  });

  it('llama3: keeps high frequencies, divides low ones by factor, blends the band between', () => {
    // wavelengths 2 pi / [1, 0.1, 0.01, 0.001] = [6.3, 63, 628, 6283]; cut-offs 256 / 8 = 32 and 256 / 1 = 256.
    const rope = parseRope({ rope_theta: 10000, rope_scaling: { rope_type: 'llama3', ...llama3 } }, 8);
    expect(rope.scaling).not.toBeNull();
    expect(rope.invFreq[0]).toBeCloseTo(1, 15); // high frequency: unchanged
    const smooth = (256 / ((2 * Math.PI) / 0.1) - 1) / (8 - 1); // medium band: between 0.1 / 8 and 0.1
    expect(smooth).toBeGreaterThan(0);
    expect(smooth).toBeLessThan(1);
    expect(rope.invFreq[1]).toBeCloseTo((1 - smooth) * (0.1 / 8) + smooth * 0.1, 15);
    expect(rope.invFreq[2]).toBeCloseTo(0.01 / 8, 15); // low frequency: divided by factor
    expect(rope.invFreq[3]).toBeCloseTo(0.001 / 8, 15);
  });

  it('reads the legacy "type" key and transformers v5 rope_parameters (rope_theta inside)', () => {
    const legacy = parseRope({ rope_theta: 10000, rope_scaling: { type: 'llama3', ...llama3 } }, 8);
    const v5 = parseRope({ rope_parameters: { rope_type: 'llama3', rope_theta: 10000, ...llama3 } }, 8);
    const modern = parseRope({ rope_theta: 10000, rope_scaling: { rope_type: 'llama3', ...llama3 } }, 8);
    expect(legacy.invFreq).toEqual(modern.invFreq);
    expect(v5.invFreq).toEqual(modern.invFreq);
    expect(parseRope({ rope_parameters: { rope_type: 'default', rope_theta: 500 } }, 4).theta).toBe(500);
    expect(parseRope({}, 4).theta).toBe(10000);
  });

  it('rejects rope types the reference does not implement, and a degenerate llama3 band', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isSafeTuneError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => parseRope({ rope_scaling: { rope_type: 'yarn', factor: 4 } }, 8))).toBe('bad-config');
    expect(code(() => parseRope({ rope_scaling: { rope_type: 'llama3', ...llama3, high_freq_factor: 1 } }, 8))).toBe('bad-config');
    expect(code(() => parseRope({ rope_scaling: { rope_type: 'llama3', factor: 8 } }, 8))).toBe('bad-config');
    expect(code(() => parseRope({ partial_rotary_factor: 0.5 }, 8))).toBe('bad-config');
  });
});

describe('applyRope (rotate_half convention)', () => {
  const invFreq = defaultInverseFrequencies(10000, 8);

  it('pairs dimension i with i + d/2 (not 2i with 2i+1)', () => {
    const x = Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0]);
    applyRope(x, 0, 8, 3, invFreq);
    expect(x[0]).toBeCloseTo(Math.cos(3), 15);
    expect(x[4]).toBeCloseTo(Math.sin(3), 15);
    expect(x[1]).toBe(0);
  });

  it('is the identity at position 0 and preserves the norm elsewhere', () => {
    const x = Float64Array.from([0.5, -1, 2, 0.25, 1, 1, -3, 0.5]);
    const atZero = Float64Array.from(x);
    applyRope(atZero, 0, 8, 0, invFreq);
    expect(atZero).toEqual(x);
    const moved = Float64Array.from(x);
    applyRope(moved, 0, 8, 11, invFreq);
    const norm = (v: Float64Array) => Math.hypot(...v);
    expect(norm(moved)).toBeCloseTo(norm(x), 12);
  });

  it('makes q . k depend only on the relative position', () => {
    const q = [0.3, -0.2, 1, 0.7, -1, 0.4, 0.1, 0.9];
    const k = [1, 0.5, -0.3, 0.2, 0.6, -0.8, 0.4, 0.1];
    const dotAt = (pq: number, pk: number) => {
      const rq = Float64Array.from(q);
      const rk = Float64Array.from(k);
      applyRope(rq, 0, 8, pq, invFreq);
      applyRope(rk, 0, 8, pk, invFreq);
      return rq.reduce((s, v, i) => s + v * (rk[i] as number), 0);
    };
    expect(dotAt(5, 2)).toBeCloseTo(dotAt(13, 10), 12);
    expect(Math.abs(dotAt(5, 2) - dotAt(5, 4))).toBeGreaterThan(1e-3);
  });

  it('rotates only the head at the given offset', () => {
    const x = Float64Array.from({ length: 16 }, (_, i) => i + 1);
    applyRope(x, 8, 8, 7, invFreq);
    expect(Array.from(x.slice(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(x[8]).not.toBe(9);
  });
});
