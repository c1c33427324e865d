/**
 * Exponential moving average as TensorBoard and W&B draw it: each point is weight × the running value + (1 − weight) ×
 * the new one, divided by 1 − weightⁿ so the first points are not pulled towards 0. NaN points are skipped and stay
 * NaN. weight 0 returns the values unchanged.
 */
export function smoothSeries(values: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return [...values];
  let running = 0;
  let n = 0;
  return values.map((v) => {
    if (Number.isNaN(v)) return Number.NaN;
    running = weight * running + (1 - weight) * v;
    n++;
    return running / (1 - weight ** n);
  });
}
