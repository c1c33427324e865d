import { describe, expect, test } from 'vitest';
import { rateInterval, seedInterval, tCritical95, wilson } from '../../scripts/experiment/interval';

/** An S × n table whose seed s has `ones[s]` successes among its first items. */
const table = (n: number, ones: number[]): boolean[][] => ones.map((k) => Array.from({ length: n }, (_, i) => i < k));
const width = (ci: [number, number]): number => ci[1] - ci[0];

describe('experiment intervals', () => {
  test('Student-t critical values: table, interpolation, normal limit', () => {
    expect(tCritical95(2)).toBeCloseTo(4.303, 3);
    expect(tCritical95(2.9)).toBeCloseTo(4.303, 3); // fractional df round down (wider)
    expect(tCritical95(45)).toBeGreaterThan(2.0);
    expect(tCritical95(45)).toBeLessThan(2.042);
    expect(tCritical95(1e9)).toBeCloseTo(1.96, 2);
  });

  test('Wilson score interval matches the textbook value (50/100 → [40.4 %, 59.6 %])', () => {
    const [lo, hi] = wilson(0.5, 100, 1.96);
    expect(lo).toBeCloseTo(0.4038, 3);
    expect(hi).toBeCloseTo(0.5962, 3);
    expect(wilson(1, 180, 1.96)[0]).toBeCloseTo(180 / (180 + 1.96 ** 2), 3);
  });

  test('one seed: the Wilson interval on its items', () => {
    const e = rateInterval(table(100, [50]));
    expect(e.rate).toBe(0.5);
    const plain = wilson(0.5, 100, 1.96);
    expect(e.ci[0]).toBeCloseTo(plain[0], 2);
    expect(e.ci[1]).toBeCloseTo(plain[1], 2);
  });

  test('seeds that repeat each other add no information: the interval stays that of n items, not n·S', () => {
    const three = rateInterval(table(100, [50, 50, 50]));
    const pooled = wilson(0.5, 300, 1.96);
    expect(width(three.ci)).toBeGreaterThan(width(pooled) * 1.4);
  });

  test('seeds that disagree widen the interval far beyond the pooled binomial one', () => {
    const e = rateInterval(table(100, [95, 50, 10]));
    expect(e.rate).toBeCloseTo(155 / 300, 10);
    expect(width(e.ci)).toBeGreaterThan(3 * width(wilson(e.rate, 300, 1.96)));
  });

  test('at 100 % the lower end is the Wilson bound on the distinct items', () => {
    const e = rateInterval(table(180, [180, 180, 180]));
    expect(e.rate).toBe(1);
    expect(e.ci[1]).toBe(1);
    expect(e.ci[0]).toBeCloseTo(wilson(1, 180, tCritical95(179))[0], 10);
    expect(e.ci[0]).toBeGreaterThan(0.97);
  });

  test('a single item has no item variance to measure: [0, 1]', () => {
    expect(rateInterval([[true], [false], [true]]).ci).toEqual([0, 1]);
  });

  test('bad tables are errors, not silent rates', () => {
    expect(() => rateInterval([])).toThrow(/no outcomes/);
    expect(() => rateInterval([[true, false], [true]])).toThrow(/same items/);
  });

  test('per-seed numbers: mean and t interval over seeds, none for one seed', () => {
    const r = seedInterval([1, 2, 3]);
    expect(r.mean).toBe(2);
    expect(r.ci![1] - 2).toBeCloseTo((4.303 * 1) / Math.sqrt(3), 3);
    expect(seedInterval([5]).ci).toBeUndefined();
  });
});
