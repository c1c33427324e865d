import { expect, test } from 'vitest';
import { median, quantile } from '../../cli/bench/timing';

test('quantile interpolates between order statistics, whatever the input order; median is its 0.5', () => {
  const xs = [9, 1, 5, 3, 7]; // sorted 1 3 5 7 9
  expect(quantile(xs, 0)).toBe(1);
  expect(quantile(xs, 1)).toBe(9);
  expect(quantile(xs, 0.25)).toBe(3);
  expect(quantile(xs, 0.75)).toBe(7);
  expect(quantile(xs, 0.1)).toBeCloseTo(1.8, 12);
  expect(median(xs)).toBe(5);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(quantile([2], 0.75)).toBe(2);
  expect(xs).toEqual([9, 1, 5, 3, 7]); // not sorted in place
});

test('quantile refuses an empty list and q outside [0, 1]', () => {
  expect(() => quantile([], 0.5)).toThrow(/need values/);
  expect(() => quantile([1, 2], 1.5)).toThrow(/q = 1.5/);
  expect(() => quantile([1, 2], Number.NaN)).toThrow(/q = NaN/);
});
