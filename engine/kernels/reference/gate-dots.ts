import { blockGeometry, expectShape } from '../block-geometry';
import type { GateDotsOptions } from '../spf-types';
import { basisIndex, elementIndex, type HostArray, type HostBlocks } from './host-blocks';

export interface HostGateDots {
  dots: Float64Array; // [nb] ⟨G_t^b, G_s^b⟩_F
  gtNormSq: Float64Array; // [nb] ‖G_t^b‖²_F
  gsNormSq: Float64Array; // [nb] ‖G_s^b‖²_F
  dirDots: Float64Array; // [nb, k] ⟨u_iᵀG_t, u_iᵀG_s⟩ (rows side) / (G_t v_i)·(G_s v_i) (cols side)
}

/**
 * THE SPEC of the gate reductions. Per block and line s (a column of G on the rows side, a row on the cols side):
 * a_i(s) = Σ_l U[l,i] G_t(l,s), c_i(s) = Σ_l U[l,i] G_s(l,s); dirDots_i = Σ_s a_i(s) c_i(s). Float64.
 */
export function referenceGateDots(gt: HostBlocks, gs: HostBlocks, U: HostArray, opts: GateDotsOptions): HostGateDots {
  const g = blockGeometry(gt.shape, opts.side, opts.k, 'gt', 'side');
  expectShape(gs.shape, gt.shape, 'gs', 'the safety and task gradients of a group must have the same shape');
  expectShape([U.length], [g.nb * g.L * g.k], 'U', `U is the subspace from powerIteration, shape [${g.nb}, ${g.L}, ${g.k}]`);
  const out: HostGateDots = {
    dots: new Float64Array(g.nb),
    gtNormSq: new Float64Array(g.nb),
    gsNormSq: new Float64Array(g.nb),
    dirDots: new Float64Array(g.nb * g.k),
  };
  const a = new Float64Array(g.k);
  const c = new Float64Array(g.k);
  for (let b = 0; b < g.nb; b++) {
    for (let s = 0; s < g.S; s++) {
      a.fill(0);
      c.fill(0);
      for (let l = 0; l < g.L; l++) {
        const e = elementIndex(g, b, l, s);
        const t = gt.data[e]!;
        const v = gs.data[e]!;
        out.dots[b]! += t * v;
        out.gtNormSq[b]! += t * t;
        out.gsNormSq[b]! += v * v;
        for (let i = 0; i < g.k; i++) {
          const u = U[basisIndex(g, b, l, i)]!;
          a[i]! += u * t;
          c[i]! += u * v;
        }
      }
      for (let i = 0; i < g.k; i++) out.dirDots[b * g.k + i]! += a[i]! * c[i]!;
    }
  }
  return out;
}
