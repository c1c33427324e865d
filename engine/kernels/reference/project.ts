import { blockGeometry, expectShape } from '../block-geometry';
import type { ProjectOptions } from '../spf-types';
import { checkGateLength } from '../spf-checks';
import { gateFires } from './gate-mask';
import { basisIndex, elementIndex, type HostArray, type HostBlocks } from './host-blocks';

export interface HostProjection {
  out: Float64Array; // [nb, rows, cols] the projected task gradient
  removedSq: Float64Array; // [nb] ‖G_t − out‖²_F, the energy removed
}

/**
 * THE SPEC of the gated projection. Per block b and line s: a_i = Σ_l U[l,i] G_t(l,s) (the k coefficients),
 * out(l,s) = G_t(l,s) − Σ_{i fires} a_i U[l,i]; removedSq_b = Σ_{l,s} (Σ_{i fires} a_i U[l,i])². Which directions
 * fire: gate-mask.ts. U must have orthonormal (or zero) columns for this to be a projection. Float64.
 */
export function referenceProject(gt: HostBlocks, U: HostArray, gate: HostArray | undefined, opts: ProjectOptions): HostProjection {
  const g = blockGeometry(gt.shape, opts.side, opts.k, 'gt', 'side');
  expectShape([U.length], [g.nb * g.L * g.k], 'U', `U is the subspace from powerIteration, shape [${g.nb}, ${g.L}, ${g.k}]`);
  checkGateLength(opts.mode, gate?.length, g.nb, g.k);
  const out = new Float64Array(g.nb * g.blockSize);
  const removedSq = new Float64Array(g.nb);
  const fires = new Array<boolean>(g.k);
  const a = new Float64Array(g.k);
  for (let b = 0; b < g.nb; b++) {
    for (let i = 0; i < g.k; i++) fires[i] = gateFires(opts.mode, gate, b, i, g.k);
    for (let s = 0; s < g.S; s++) {
      a.fill(0);
      for (let l = 0; l < g.L; l++) {
        const t = gt.data[elementIndex(g, b, l, s)]!;
        for (let i = 0; i < g.k; i++) a[i]! += U[basisIndex(g, b, l, i)]! * t;
      }
      for (let l = 0; l < g.L; l++) {
        let removed = 0;
        for (let i = 0; i < g.k; i++) if (fires[i]) removed += a[i]! * U[basisIndex(g, b, l, i)]!;
        const e = elementIndex(g, b, l, s);
        out[e] = gt.data[e]! - removed;
        removedSq[b]! += removed * removed;
      }
    }
  }
  return { out, removedSq };
}
