import * as tf from '@tensorflow/tfjs';
import { blockGeometry, expectShape, type BlockGeometry } from './block-geometry';
import { hostToTensor, tensorToHost } from './host-tensors';
import { referencePowerIteration } from './reference/power-iteration';
import { checkIters } from './spf-checks';
import { DEFAULT_SEED, type PowerIterationOptions } from './spf-types';
import { int32Uniform as int, isWebGPUActive, runProgram, uint32Uniform as u32 } from './webgpu-compat';
import { BlockSumSquaresProgram } from './wgsl/block-sum-squares-program';
import { ExpandProgram } from './wgsl/expand-program';
import { LineCoefficientsProgram } from './wgsl/line-coefficients-program';
import { lineUniforms } from './wgsl/line-uniforms';
import { OrthonormalizeProgram } from './wgsl/orthonormalize-program';
import { RayleighRitzProgram } from './wgsl/rayleigh-ritz-program';
import { RotateBasisProgram } from './wgsl/rotate-basis-program';
import { SeededFillProgram } from './wgsl/seeded-fill-program';

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
 * The WGSL path: norms, random start (cold only), orthonormalisation, 3 per iteration, 3 for Rayleigh-Ritz — 3·iters
 * + 6 dispatches cold, 3·iters + 5 warm — plus two tiny slices of the packed Rayleigh-Ritz output. No read-back.
 */
export function powerIterationWebGPU(gs: tf.Tensor, warm: tf.Tensor | undefined, opts: PowerIterationOptions): PowerIterationResult {
  const g = validate(gs, warm, opts);
  const iters = opts.iters;
  const seed = (opts.seed ?? DEFAULT_SEED) >>> 0;
  const { nb, L, S, k } = g;
  const lines = lineUniforms(g);
  return tf.tidy(() => {
    const normSq = runProgram(new BlockSumSquaresProgram(nb, false), [gs], [int(g.blockSize)]) as tf.Tensor1D; // [nb]
    // Orthonormalisation call c draws collapse replacements from round c + 1; the random start is round 0.
    const orthonormalize = (y: tf.Tensor, call: number): tf.Tensor =>
      runProgram(new OrthonormalizeProgram(nb, L, k), [y], [int(L), int(k), int(nb), u32(seed), u32(call + 1)]);
    const start = warm ?? runProgram(new SeededFillProgram([nb, L, k]), [], [u32(seed), u32(0)]); // [nb, L, k]
    let q = orthonormalize(start, 0); // [nb, L, k]
    for (let t = 1; t <= iters; t++) {
      const z = runProgram(new LineCoefficientsProgram(nb, S, k), [gs, q, normSq], lines); // [nb, S, k] = Mᵀq/‖G‖
      const y = runProgram(new ExpandProgram(nb, L, k), [gs, z, normSq], lines); // [nb, L, k] = M z/‖G‖
      q = orthonormalize(y, t);
    }
    const z = runProgram(new LineCoefficientsProgram(nb, S, k), [gs, q, normSq], lines); // [nb, S, k]
    const ritz = runProgram(new RayleighRitzProgram(nb, k), [z, normSq], [int(S), int(k), int(nb)]); // [nb, k + 2, k]
    const U = runProgram(new RotateBasisProgram(nb, L, k), [q, ritz], [int(L), int(nb)]) as tf.Tensor3D; // [nb, L, k]
    const sigma = tf.reshape(tf.slice(ritz, [0, k, 0], [nb, 1, k]), [nb, k]) as tf.Tensor2D;
    const capturedEnergy = tf.reshape(tf.slice(ritz, [0, k + 1, 0], [nb, 1, 1]), [nb]) as tf.Tensor1D;
    return { U, sigma, normSq, capturedEnergy };
  });
}

function validate(gs: tf.Tensor, warm: tf.Tensor | undefined, opts: PowerIterationOptions): BlockGeometry {
  const g = blockGeometry(gs.shape, opts.side, opts.k, 'gs');
  if (warm !== undefined) expectShape(warm.shape, [g.nb, g.L, g.k], 'warm', 'a warm start is the previous step\'s U for the same blocks, side and k');
  checkIters(opts.iters);
  return g;
}
