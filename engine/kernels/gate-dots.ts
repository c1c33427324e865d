import * as tf from '@tensorflow/tfjs';
import { blockGeometry, expectShape, type BlockGeometry } from './block-geometry';
import { hostToTensor, tensorToHost } from './host-tensors';
import { referenceGateDots } from './reference/gate-dots';
import type { GateDotsOptions } from './spf-types';
import { isWebGPUActive, runProgram } from './webgpu-compat';
import { GatePartialsProgram } from './wgsl/gate-partials-program';
import { lineUniforms } from './wgsl/line-uniforms';
import { SumLinesProgram } from './wgsl/sum-lines-program';

/** The inner products the gate modes look at (see reference/gate-dots.ts). */
export type GateDotsResult = {
  dots: tf.Tensor1D; // [nb] ⟨G_t^b, G_s^b⟩_F; the 'global' gate is their sum over all groups
  gtNormSq: tf.Tensor1D; // [nb] ‖G_t^b‖²_F
  gsNormSq: tf.Tensor1D; // [nb] ‖G_s^b‖²_F
  dirDots: tf.Tensor2D; // [nb, k] ⟨u_iᵀG_t, u_iᵀG_s⟩ (rows side) / (G_t v_i)·(G_s v_i) (cols side)
};

/**
 * Per-block gate reductions of task gradients gt and safety gradients gs [nb, rows, cols] against the subspace
 * U [nb, L, k]. WGSL on webgpu (two dispatches, results stay on the GPU); the reference elsewhere.
 */
export function gateDots(gt: tf.Tensor, gs: tf.Tensor, U: tf.Tensor, opts: GateDotsOptions): GateDotsResult {
  return tf.tidy(() => unpackGateSums(gateSums(gt, gs, U, opts), opts.k));
}

/**
 * The same reductions packed [nb, 3 + k], per block: ⟨G_t, G_s⟩, ‖G_t‖², ‖G_s‖², then the k direction dots. A caller
 * that needs only some columns, or only their sums over the blocks, takes them from here without a slice per column.
 */
export function gateSums(gt: tf.Tensor, gs: tf.Tensor, U: tf.Tensor, opts: GateDotsOptions): tf.Tensor2D {
  const g = validate(gt, gs, U, opts);
  const { nb, S, k } = g;
  if (isWebGPUActive()) {
    return tf.tidy(() => {
      const parts = runProgram(new GatePartialsProgram(nb, S, k), [gt, gs, U], lineUniforms(g)); // [nb, S, 3 + k]
      return runProgram(new SumLinesProgram(nb, 3 + k), [parts], []) as tf.Tensor2D; // [nb, 3 + k]
    });
  }
  const shape = [nb, g.rows, g.cols] as const;
  const host = referenceGateDots({ data: tensorToHost(gt), shape }, { data: tensorToHost(gs), shape }, tensorToHost(U), opts);
  const packed = new Float64Array(nb * (3 + k));
  for (let b = 0; b < nb; b++) {
    const row = packed.subarray(b * (3 + k), (b + 1) * (3 + k));
    row[0] = host.dots[b]!;
    row[1] = host.gtNormSq[b]!;
    row[2] = host.gsNormSq[b]!;
    row.set(host.dirDots.subarray(b * k, (b + 1) * k), 3);
  }
  return hostToTensor(packed, [nb, 3 + k]) as tf.Tensor2D;
}

/** gateSums' columns as named tensors. */
export function unpackGateSums(sums: tf.Tensor2D, k: number): GateDotsResult {
  const nb = sums.shape[0];
  const column = (c: number): tf.Tensor1D => tf.reshape(tf.slice(sums, [0, c], [nb, 1]), [nb]) as tf.Tensor1D;
  return { dots: column(0), gtNormSq: column(1), gsNormSq: column(2), dirDots: tf.slice(sums, [0, 3], [nb, k]) as tf.Tensor2D };
}

function validate(gt: tf.Tensor, gs: tf.Tensor, U: tf.Tensor, opts: GateDotsOptions): BlockGeometry {
  const g = blockGeometry(gt.shape, opts.side, opts.k, 'gt', 'side');
  expectShape(gs.shape, gt.shape, 'gs', 'the safety and task gradients of a group must have the same shape');
  expectShape(U.shape, [g.nb, g.L, g.k], 'U', 'U is the subspace powerIteration returned for these blocks, side and k');
  return g;
}
