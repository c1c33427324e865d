/** Token-length summary of a set of sequences. */
export interface LengthStats {
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
}

/** One histogram bar: sequences with `from <= length < to`. */
export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Min / median / p95 / max / mean (nearest-rank percentiles: each is a length that occurs). Zeros when empty. */
export function lengthStats(lengths: readonly number[]): LengthStats {
  if (lengths.length === 0) return { min: 0, median: 0, p95: 0, max: 0, mean: 0 };
  const sorted = [...lengths].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { min: sorted[0]!, median: rank(0.5), p95: rank(0.95), max: sorted[sorted.length - 1]!, mean: sum / sorted.length };
}

/**
 * `binCount` equal-width bins from 0 to past the longest sequence, with round widths (1, 2, 5 × 10^k) so the UI's
 * axis reads well. Empty input gives no bins.
 */
export function lengthHistogram(lengths: readonly number[], binCount: number): HistogramBin[] {
  if (lengths.length === 0) return [];
  const max = lengths.reduce((a, b) => Math.max(a, b), 0); // not Math.max(...): a 100k-row spread overflows the stack
  const width = niceWidth((max + 1) / Math.max(1, binCount));
  const bins: HistogramBin[] = [];
  for (let from = 0; from <= max; from += width) bins.push({ from, to: from + width, count: 0 });
  for (const length of lengths) bins[Math.floor(length / width)]!.count++;
  return bins;
}

function niceWidth(raw: number): number {
  if (raw <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * power >= raw) return step * power;
  return 10 * power;
}
