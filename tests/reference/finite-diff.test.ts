import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { finiteDifferenceGradient } from './finite-diff';
import { seededRandom } from './tiny-models';

/** f(x) = 1/2 x^T S x + b^T x + 3 with S symmetric; its gradient is S x + b. */
function quadratic(n: number, seed: number) {
  const random = seededRandom(seed);
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const value = 2 * random() - 1;
      S[i * n + j] = value;
      S[j * n + i] = value;
    }
  }
  const b = Float64Array.from({ length: n }, () => 2 * random() - 1);
  const f = (x: Float64Array) => {
    let sum = 3;
    for (let i = 0; i < n; i++) {
      sum += (b[i] as number) * (x[i] as number);
      for (let j = 0; j < n; j++) sum += 0.5 * (x[i] as number) * (S[i * n + j] as number) * (x[j] as number);
    }
    return sum;
  };
  const gradient = (x: Float64Array) =>
    Float64Array.from({ length: n }, (_, i) => {
      let sum = b[i] as number;
      for (let j = 0; j < n; j++) sum += (S[i * n + j] as number) * (x[j] as number);
      return sum;
    });
  return { f, gradient };
}

describe('finiteDifferenceGradient', () => {
  it('is exact (to rounding) on a quadratic, even with a large step', () => {
    const { f, gradient } = quadratic(6, 1);
    const x = Float64Array.from([0.3, -1.2, 2.5, 0, 0.7, -0.4]);
    const expected = gradient(x);
    for (const eps of [1e-3, 0.5]) {
      const numeric = finiteDifferenceGradient(f, x, eps);
      expect(numeric).toHaveLength(6);
      numeric.forEach((g, i) => expect(Math.abs(g - (expected[i] as number))).toBeLessThan(1e-10));
    }
  });

  it('has the central-difference error eps^2 on a cubic (so it is central, not one-sided)', () => {
    // ((x+e)^3 - (x-e)^3) / 2e = 3x^2 + e^2; a forward difference would be off by 3 x e instead.
    const f = (x: Float64Array) => x.reduce((sum, v) => sum + v ** 3, 0);
    const x = Float64Array.from([1.5, -2]);
    const eps = 0.1;
    const numeric = finiteDifferenceGradient(f, x, eps);
    expect(numeric[0]).toBeCloseTo(3 * 1.5 ** 2 + eps ** 2, 12);
    expect(numeric[1]).toBeCloseTo(3 * 2 ** 2 + eps ** 2, 12);
  });

  it('returns one value per requested index, in that order, and leaves x untouched', () => {
    const { f, gradient } = quadratic(5, 2);
    const x = Float64Array.from([1, 2, 3, 4, 5]);
    const before = Float64Array.from(x);
    const numeric = finiteDifferenceGradient(f, x, 1e-4, [4, 0, 2]);
    const expected = gradient(x);
    expect(numeric).toHaveLength(3);
    expect(numeric[0]).toBeCloseTo(expected[4] as number, 8);
    expect(numeric[1]).toBeCloseTo(expected[0] as number, 8);
    expect(numeric[2]).toBeCloseTo(expected[2] as number, 8);
    expect(x).toEqual(before);
  });

  it('rejects a non-positive step and an index outside x', () => {
    const f = (x: Float64Array) => x[0] as number;
    const x = new Float64Array(2);
    expect(() => finiteDifferenceGradient(f, x, 0)).toThrow(SafeTuneError);
    expect(() => finiteDifferenceGradient(f, x, 1e-5, [2])).toThrow(/indices\[0\] = 2 is outside x/);
  });
});
