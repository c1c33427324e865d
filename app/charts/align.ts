/** One curve to draw: its x values (steps, increasing) and y values, same length. */
export interface Curve {
  x: readonly number[];
  y: readonly number[];
}

/**
 * uPlot wants every curve on one shared, increasing x array. Curves here are sampled on different steps (training
 * loss every step, drift every evalEvery steps, a comparison run with its own steps), so merge their x values and put
 * null where a curve has no point; NaN (a metric missing on that step) becomes null too, which uPlot draws as a gap
 * or, with spanGaps, bridges.
 */
export function alignCurves(curves: readonly Curve[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map((c) => {
    const y: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    c.x.forEach((x, i) => {
      const v = c.y[i];
      y[index.get(x)!] = v === undefined || Number.isNaN(v) ? null : v;
    });
    return y;
  });
  return [xs, ...ys];
}
