import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import { blockGeometry, expectShape, type BlockGeometry } from './block-geometry';
import { hostToTensor, tensorToHost } from './host-tensors';
import { referenceProject } from './reference/project';
import { checkGateLength } from './spf-checks';
import type { ProjectOptions } from './spf-types';
import { int32Uniform, isWebGPUActive, runProgram } from './webgpu-compat';
import { BlockSumSquaresProgram } from './wgsl/block-sum-squares-program';
import { lineUniforms } from './wgsl/line-uniforms';
import { gateModeUniform, ProjectProgram } from './wgsl/project-program';
import { isSoftwareAdapterInUse } from '../device/adapter-kind';

/**
 * The gate a mode reads: either that tensor itself, or the gate values by name (the mode picks its own, so a caller
 * can pass everything it has): globalDot [] or [1] for 'global', dots [nb] for 'block', dirDots [nb, k] for
 * 'direction'; 'always' reads none.
 */
export type GateInput = tf.Tensor | { globalDot?: tf.Tensor; dots?: tf.Tensor; dirDots?: tf.Tensor };

export type ProjectResult = {
  out: tf.Tensor3D; // [nb, rows, cols] the task gradient with the conflicting safety directions removed
  removedSq: tf.Tensor1D; // [nb] ‖G_t − out‖²_F
};

/**
 * Gated projection of the task gradients gt [nb, rows, cols] off the safety subspace U [nb, L, k]. `gate` by mode:
 * 'global' a scalar (Σ dots over ALL blocks of all shapes, still on the GPU), 'block' dots [nb], 'direction'
 * dirDots [nb, k], 'always' none (see GateInput). The gate is read inside the kernel: no read-back.
 */
export function project(gt: tf.Tensor, U: tf.Tensor, gateInput: GateInput | undefined, opts: ProjectOptions): ProjectResult {
  if (isWebGPUActive()) return projectWebGPU(gt, U, gateInput, opts);
  const gate = selectGate(gateInput, opts.mode);
  const g = validate(gt, U, gate, opts);
  const gateHost = gate === undefined ? undefined : tensorToHost(gate);
  const host = referenceProject({ data: tensorToHost(gt), shape: [g.nb, g.rows, g.cols] }, tensorToHost(U), gateHost, opts);
  return { out: hostToTensor(host.out, [g.nb, g.rows, g.cols]), removedSq: hostToTensor(host.removedSq, [g.nb]) };
}

/**
 * Two dispatches: the fused projection (coefficients formed, line written once: one invocation per line on a software
 * adapter, a workgroup per line on a GPU or an adapter not identified) and the removed
 * energy ‖G_t − out‖² per block. The energy cannot come out of the first pass: a tfjs program binds exactly one
 * output buffer, and packing both into one buffer would cost a full copy of `out` to slice it back out — more
 * traffic than this second, read-only reduction.
 */
export function projectWebGPU(gt: tf.Tensor, U: tf.Tensor, gateInput: GateInput | undefined, opts: ProjectOptions): ProjectResult {
  const gate = selectGate(gateInput, opts.mode);
  const g = validate(gt, U, gate, opts);
  const { nb, rows, cols, S, k } = g;
  return tf.tidy(() => {
    const gateVector = tf.reshape(gate ?? U, [(gate ?? U).size]); // 'always' reads no gate: bind U, never read
    const program = new ProjectProgram([nb, rows, cols], S, k, isSoftwareAdapterInUse() === true ? 'invocation' : 'workgroup');
    const out = runProgram(program, [gt, U, gateVector], [...lineUniforms(g), gateModeUniform(opts.mode)]) as tf.Tensor3D;
    const removedSq = runProgram(new BlockSumSquaresProgram(nb, true), [gt, out], [int32Uniform(g.blockSize)]) as tf.Tensor1D;
    return { out, removedSq };
  });
}

/** The one gate tensor the mode reads, or undefined for 'always'. */
function selectGate(gate: GateInput | undefined, mode: ProjectOptions['mode']): tf.Tensor | undefined {
  if (mode === 'always' || gate === undefined) return undefined;
  if (gate instanceof tf.Tensor) return gate;
  return mode === 'global' ? gate.globalDot : mode === 'block' ? gate.dots : gate.dirDots;
}

function validate(gt: tf.Tensor, U: tf.Tensor, gate: tf.Tensor | undefined, opts: ProjectOptions): BlockGeometry {
  const g = blockGeometry(gt.shape, opts.side, opts.k, 'gt', 'side');
  expectShape(U.shape, [g.nb, g.L, g.k], 'U', 'U is the subspace powerIteration returned for these blocks, side and k');
  checkGateLength(opts.mode, gate?.size, g.nb, g.k);
  if (gate !== undefined && gate.dtype !== 'float32') throw new SafeTuneError('bad-argument', `the ${opts.mode} gate is ${gate.dtype}, expected float32`, 'pass the float32 dots from gateDots');
  if (gate !== undefined && opts.mode === 'direction') expectShape(gate.shape, [g.nb, g.k], 'gate', 'the direction gate is gateDots(...).dirDots');
  return g;
}
