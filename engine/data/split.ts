import { mulberry32 } from '../util/random';

/**
 * A seeded, deterministic split: `fraction` of the items (rounded, at least one, never all) go to validation, chosen
 * by a Fisher-Yates shuffle of the indices under `seed`; both parts keep the file's order. The same file, fraction and
 * seed always give the same split, whatever maxLength or tokenizer come later.
 */
export function splitByFraction<T>(items: readonly T[], fraction: number, seed: number): { train: T[]; validation: T[] } {
  const n = items.length;
  const count = fraction <= 0 || n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32((seed ^ 0x5eed_da7a) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const chosen = new Set(order.slice(0, count));
  const train: T[] = [];
  const validation: T[] = [];
  items.forEach((item, i) => (chosen.has(i) ? validation : train).push(item));
  return { train, validation };
}
