import { RANK_RTOL } from '../spf-types';
import { symmetricEigen } from './symmetric-eigen';

/** The Ritz rotation of one block: U = Q·W, with σ and the kept energy fraction. */
export interface RitzRotation {
  w: Float64Array; // k×k row-major; column i = coordinates of u_i in Q's basis (zero when direction i is absent)
  lambda: Float64Array; // [k] σ_i² / ‖G‖²_F, descending; 0 when absent
}

/**
 * Rayleigh-Ritz on the subspace span(Q): with z = Mᵀ Q / ‖G‖_F (S×k), H = zᵀz = Qᵀ M Mᵀ Q / ‖G‖²_F is k×k; its
 * eigenpairs (λ_i, w_i) give the best rank-k approximation of M's left singular vectors inside span(Q):
 * u_i = Q w_i, σ_i = √λ_i · ‖G‖_F. Sorted by λ descending (ties keep index order); a λ_i ≤ RANK_RTOL² is an absent
 * direction (w_i = 0, λ_i = 0). Sign: each w_i's entry of largest magnitude (first on ties) is made positive, so U
 * does not flip sign between steps without reason.
 */
export function rayleighRitz(z: Float64Array, S: number, k: number): RitzRotation {
  const h = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let sum = 0;
      for (let s = 0; s < S; s++) sum += z[s * k + i]! * z[s * k + j]!;
      h[i * k + j] = sum;
      h[j * k + i] = sum;
    }
  }
  const { values, vectors } = symmetricEigen(h, k);
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
  const w = new Float64Array(k * k);
  const lambda = new Float64Array(k);
  order.forEach((src, dst) => {
    const value = values[src]!;
    if (!(value > RANK_RTOL * RANK_RTOL)) return; // absent (also catches NaN)
    lambda[dst] = value;
    let pivot = 0;
    for (let r = 1; r < k; r++) if (Math.abs(vectors[r * k + src]!) > Math.abs(vectors[pivot * k + src]!)) pivot = r;
    const sign = vectors[pivot * k + src]! < 0 ? -1 : 1;
    for (let r = 0; r < k; r++) w[r * k + dst] = sign * vectors[r * k + src]!;
  });
  return { w, lambda };
}
