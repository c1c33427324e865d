/**
 * Central finite differences: the slow, obvious gradient that analytic (autodiff) gradients are checked against.
 */
import { SafeTuneError } from '../../engine/errors';

/**
 * df/dx[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for each i in `indices` (default: every index).
 * Returns one value per requested index, in the order of `indices` (so with no `indices`, the full gradient).
 * `x` is not modified: `f` is called on a private copy with one entry perturbed at a time.
 * eps: 1e-5 suits a float64 `f`; for a float32 `f` use ~1e-2..1e-3, or rounding swamps the difference.
 * The divisor is the step actually taken ((x+eps) - (x-eps) in floating point), not 2 eps, which removes the
 * representation error of the step itself; for a quadratic f the result is then exact up to f's own rounding.
 */
export function finiteDifferenceGradient(
  f: (x: Float64Array) => number,
  x: Float64Array,
  eps = 1e-5,
  indices?: number[],
): Float64Array {
  if (!Number.isFinite(eps) || eps <= 0) {
    throw new SafeTuneError('bad-argument', `finite differences: eps must be a positive number, got ${eps}`, 'use e.g. 1e-5');
  }
  const chosen = indices ?? Array.from(x, (_, i) => i);
  const probe = Float64Array.from(x);
  const gradient = new Float64Array(chosen.length);
  chosen.forEach((index, k) => {
    if (!Number.isInteger(index) || index < 0 || index >= x.length) {
      throw new SafeTuneError(
        'bad-argument',
        `finite differences: indices[${k}] = ${index} is outside x (length ${x.length})`,
        'pass indices in [0, x.length)',
      );
    }
    const original = x[index] as number;
    const plus = original + eps;
    const minus = original - eps;
    probe[index] = plus;
    const fPlus = f(probe);
    probe[index] = minus;
    const fMinus = f(probe);
    probe[index] = original;
    gradient[k] = (fPlus - fMinus) / (plus - minus);
  });
  return gradient;
}
