/**
 * The experiment's 95 % intervals.
 *
 * A rate (refusal, compliance, jailbreak refusal, over-refusal, utility) is measured on the same n items for each of S
 * seeds: an S × n table of 0/1 outcomes, seeds crossed with items. Neither textbook interval fits that design:
 *  - Wilson on the n·S pooled outcomes treats them as independent, but an item that one seed refuses the others
 *    mostly refuse too, and a seed that breaks the model shifts all its items together: far too narrow;
 *  - a t interval over the S seed means sees only the seed-to-seed spread (the items are the same in every seed,
 *    so their sampling error never shows) and has S − 1 = 2 degrees of freedom: with identical seeds it is zero-width.
 * So the variance of the grand mean is estimated from the two-way random-effects ANOVA of the table (seed, item and
 * residual mean squares; Var = σ²_seed/S + σ²_item/n + σ²_res/(nS), negative components set to 0), turned into a
 * design effect against the binomial variance, and the interval is the Wilson score interval on the effective
 * sample size nS / deff with a Student-t critical value at the Satterthwaite degrees of freedom of that variance.
 * With one seed (the base model) it is the plain Wilson interval on the items. At 0 % or 100 % the table has no
 * variance to measure a design effect from; the effective size is then the n distinct items (as if every seed
 * repeated the first), which is the conservative choice.
 */

export interface RateEstimate {
  rate: number; // grand mean of the S × n table
  ci: [number, number]; // 95 %
  n: number; // items per seed
  seeds: number;
}

/** Student-t 0.975 quantiles for 1…30 degrees of freedom. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The two-sided 95 % Student-t critical value; fractional df below 30 are rounded down (wider), above by 1/df interpolation. */
export function tCritical95(df: number): number {
  if (!(df > 0)) return Number.POSITIVE_INFINITY;
  if (df < 30) return T975[Math.max(1, Math.floor(df)) - 1]!;
  const knots: [number, number][] = [[30, 2.042], [60, 2.0], [120, 1.98], [Number.POSITIVE_INFINITY, 1.96]];
  for (let j = 0; j < knots.length - 1; j++) {
    const [d0, t0] = knots[j]!;
    const [d1, t1] = knots[j + 1]!;
    if (df <= d1) {
      const w = (1 / d0 - 1 / df) / (1 / d0 - (d1 === Number.POSITIVE_INFINITY ? 0 : 1 / d1));
      return t0 + w * (t1 - t0);
    }
  }
  return 1.96;
}

/** Wilson score interval for a proportion p on an (effective) sample size n with critical value c. */
export function wilson(p: number, n: number, c: number): [number, number] {
  if (n <= 0 || !Number.isFinite(c)) return [0, 1]; // nothing to estimate from (one item: no item variance, t has 0 df)
  const c2 = c * c;
  const denom = 1 + c2 / n;
  const center = (p + c2 / (2 * n)) / denom;
  const half = (c / denom) * Math.sqrt(Math.max(0, (p * (1 - p)) / n + c2 / (4 * n * n)));
  // At p = 0 or 1 the matching end is exactly 0 or 1 (the formula leaves a rounding error there).
  return [p === 0 ? 0 : Math.max(0, center - half), p === 1 ? 1 : Math.min(1, center + half)];
}

/** Rate and 95 % interval of an S × n table of 0/1 outcomes (`table[seed][item]`, same items in every seed). */
export function rateInterval(table: readonly (readonly boolean[])[]): RateEstimate {
  const S = table.length;
  const n = table[0]?.length ?? 0;
  if (S === 0 || n === 0) throw new Error('rateInterval: no outcomes (a rate over nothing is undefined)');
  if (table.some((row) => row.length !== n)) throw new Error('rateInterval: every seed must score the same items');
  const y: number[][] = table.map((row) => row.map((b) => (b ? 1 : 0)));
  const seedMean = y.map((row) => row.reduce((a, b) => a + b, 0) / n);
  const itemMean = Array.from({ length: n }, (_, i) => y.reduce((a, row) => a + row[i]!, 0) / S);
  const m = seedMean.reduce((a, b) => a + b, 0) / S;
  if (m === 0 || m === 1) return { rate: m, ci: wilson(m, n, tCritical95(n - 1)), n, seeds: S };

  if (n === 1) return { rate: m, ci: [0, 1], n, seeds: S }; // a single item: its sampling variance is unknowable
  const dfItem = n - 1;
  const msItem = (S * itemMean.reduce((a, b) => a + (b - m) ** 2, 0)) / dfItem;
  // nS·Var(m̂) as Σ c·MS over the mean squares (negative variance components dropped), and Satterthwaite's df for it.
  let terms: { c: number; ms: number; df: number }[];
  if (S === 1) {
    terms = [{ c: 1, ms: msItem, df: dfItem }];
  } else {
    const dfSeed = S - 1;
    const dfRes = (S - 1) * (n - 1);
    const msSeed = (n * seedMean.reduce((a, b) => a + (b - m) ** 2, 0)) / dfSeed;
    let ssRes = 0;
    for (let s = 0; s < S; s++) for (let i = 0; i < n; i++) ssRes += (y[s]![i]! - seedMean[s]! - itemMean[i]! + m) ** 2;
    const msRes = ssRes / dfRes;
    const seedPart = msSeed > msRes;
    const itemPart = msItem > msRes;
    terms = [
      { c: 1 - (seedPart ? 1 : 0) - (itemPart ? 1 : 0), ms: msRes, df: dfRes },
      { c: seedPart ? 1 : 0, ms: msSeed, df: dfSeed },
      { c: itemPart ? 1 : 0, ms: msItem, df: dfItem },
    ].filter((t) => t.c !== 0);
  }
  const total = terms.reduce((a, t) => a + t.c * t.ms, 0);
  const df = total ** 2 / terms.reduce((a, t) => a + (t.c * t.ms) ** 2 / t.df, 0);
  const variance = total / (n * S);
  const binomial = (m * (1 - m)) / (n * S);
  const nEff = variance > 0 ? (n * S * binomial) / variance : n * S;
  return { rate: m, ci: wilson(m, nEff, tCritical95(df)), n, seeds: S };
}

/** Mean and 95 % t interval over seeds of a per-seed number (task NLL, drift); one seed has no interval. */
export function seedInterval(values: readonly number[]): { mean: number; ci: [number, number] | undefined } {
  const S = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, S);
  if (S < 2) return { mean, ci: undefined };
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (S - 1));
  const half = (tCritical95(S - 1) * sd) / Math.sqrt(S);
  return { mean, ci: [mean - half, mean + half] };
}
