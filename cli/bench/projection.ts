import * as tf from '@tensorflow/tfjs';
import { project } from '../../engine/kernels/spf-ops';
import type { SubspaceSide } from '../../engine/kernels/spf-types';
import { timeOp } from './timing';

/** G − U(UᵀG) (rows side) or G − (G V)Vᵀ (cols side) and ‖removed‖² per block, as composed tfjs ops. */
export function composedProjection(g: tf.Tensor3D, u: tf.Tensor3D, side: SubspaceSide): tf.Tensor[] {
  return tf.tidy(() => {
    const removed = side === 'rows' ? tf.matMul(u, tf.matMul(u, g, true, false)) : tf.matMul(tf.matMul(g, u), u, false, true);
    return [tf.sub(g, removed), tf.sum(tf.square(removed), [1, 2])];
  });
}

export interface ProjectionTiming {
  shape: string; // "8 x 16x2048"
  composedMs: number;
  fusedMs: number;
  speedup: number;
}

/** Times the fused kernel against the composed ops on LoRA-shaped blocks, 'always' gate so both do the same math. */
export async function benchProjection(nb: number, rows: number, cols: number, k: number): Promise<ProjectionTiming> {
  const side: SubspaceSide = rows >= cols ? 'rows' : 'cols';
  const L = side === 'rows' ? rows : cols;
  const g = tf.randomNormal([nb, rows, cols]) as tf.Tensor3D;
  // An orthonormal basis per block, as the power iteration would produce.
  const u = tf.tidy(() => {
    const q = tf.linalg.gramSchmidt(tf.randomNormal([k, L]) as tf.Tensor2D) as tf.Tensor2D; // [k, L] orthonormal rows
    return tf.tile(tf.transpose(q).expandDims(0), [nb, 1, 1]) as tf.Tensor3D; // [nb, L, k]
  });
  const reps = 8;
  const composedMs = await timeOp(() => composedProjection(g, u, side), { samples: 5, reps });
  const fusedMs = await timeOp(() => {
    const r = project(g, u, undefined, { k, side, mode: 'always' });
    return [r.out, r.removedSq];
  }, { samples: 5, reps });
  g.dispose();
  u.dispose();
  return { shape: `${nb} x ${rows}x${cols}`, composedMs, fusedMs, speedup: composedMs / fusedMs };
}
