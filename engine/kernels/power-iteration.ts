import * as tf from '@tensorflow/tfjs';
import { blockGeometry, expectShape, type BlockGeometry } from './block-geometry';
import { hostToTensor, tensorToHost } from './host-tensors';
import { referencePowerIteration } from './reference/power-iteration';
import { checkIters } from './spf-checks';
import { DEFAULT_SEED, type PowerIterationOptions } from './spf-types';
import { int32Uniform as int, isWebGPUActive, runProgram, uint32Uniform as u32 } from './webgpu-compat';
import { BlockSumSquaresProgram } from './wgsl/block-sum-squares-program';
import { lineUniforms } from './wgsl/line-uniforms';
import { SubspaceIterationProgram } from './wgsl/subspace-iteration-program';

/** The safety subspace of each block (see reference/power-iteration.ts for the exact definition). */
export type PowerIterationResult = {
  U: tf.Tensor3D; // [nb, L, k] orthonormal columns ordered by σ; zero columns where a direction is absent
  sigma: tf.Tensor2D; // [nb, k] singular value estimates, descending; 0 where absent
  normSq: tf.Tensor1D; // [nb] ‖G_s^b‖²_F
  capturedEnergy: tf.Tensor1D; // [nb] Σσ² / ‖G_s^b‖²_F, 0 for a zero block
};

/**
 * Top-k singular subspace of every block of gs [nb, rows, cols] by subspace iteration, warm-started from `warm`
 * [nb, L, k] (the previous step's U) or cold-started from seeded random numbers. On the webgpu backend everything
 * runs in SafeTune's WGSL kernels with no read-back; elsewhere the TypeScript reference runs on host data.
 */
export function powerIteration(gs: tf.Tensor, warm: tf.Tensor | undefined, opts: PowerIterationOptions): PowerIterationResult {
  if (isWebGPUActive()) return powerIterationWebGPU(gs, warm, opts);
  const g = validate(gs, warm, opts);
  const host = referencePowerIteration({ data: tensorToHost(gs), shape: [g.nb, g.rows, g.cols] }, warm === undefined ? undefined : tensorToHost(warm), opts);
  return {
    U: hostToTensor(host.U, [g.nb, g.L, g.k]),
    sigma: hostToTensor(host.sigma, [g.nb, g.k]),
    normSq: hostToTensor(host.normSq, [g.nb]),
    capturedEnergy: hostToTensor(host.capturedEnergy, [g.nb]),
  };
}

/**
 * The WGSL path: the blocks' norms, then the whole iteration in one dispatch (wgsl/subspace-iteration-program.ts), then
 * three slices of its packed output. No read-back.
 */
export function powerIterationWebGPU(gs: tf.Tensor, warm: tf.Tensor | undefined, opts: PowerIterationOptions): PowerIterationResult {
  const g = validate(gs, warm, opts);
  const seed = (opts.seed ?? DEFAULT_SEED) >>> 0;
  const { nb, L, S, k } = g;
  return tf.tidy(() => {
    const normSq = runProgram(new BlockSumSquaresProgram(nb, false), [gs], [int(g.blockSize)]) as tf.Tensor1D; // [nb]
    const program = new SubspaceIterationProgram(nb, L, S, k, warm !== undefined);
    const packed = runProgram(program, warm === undefined ? [gs, normSq] : [gs, normSq, warm], [...lineUniforms(g), int(k), int(opts.iters), u32(seed)]);
    const U = tf.slice(packed, [0, 0, 0], [nb, L, k]) as tf.Tensor3D;
    const sigma = tf.reshape(tf.slice(packed, [0, L + S, 0], [nb, 1, k]), [nb, k]) as tf.Tensor2D;
    const capturedEnergy = tf.reshape(tf.slice(packed, [0, L + S + 1, 0], [nb, 1, 1]), [nb]) as tf.Tensor1D;
    return { U, sigma, normSq, capturedEnergy };
  });
}

function validate(gs: tf.Tensor, warm: tf.Tensor | undefined, opts: PowerIterationOptions): BlockGeometry {
  const g = blockGeometry(gs.shape, opts.side, opts.k, 'gs');
  if (warm !== undefined) expectShape(warm.shape, [g.nb, g.L, g.k], 'warm', 'a warm start is the previous step\'s U for the same blocks, side and k');
  checkIters(opts.iters);
  return g;
}
