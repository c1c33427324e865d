import type { SpfGate } from '../spf-types';
import type { ProgramUniform, WebGPUProgram } from '../webgpu-compat';
import { LINE_UNIFORMS } from './line-uniforms';
import { PROJECT_WIDE_WG, projectWideWgsl } from './project-wide-program';

const WG = 64;

/**
 * The fused, gated projection with one invocation per line (a column of G_t on the rows side, a row on the cols
 * side): the invocation streams its line once to form the k coefficients a_i = Σ_l U[l,i] G_t(l,s), keeps those whose
 * gate fires, and streams it again writing out(l,s) = G_t(l,s) − Σ_i a_i U[l,i]. No workgroup memory and no barriers:
 * neighbouring invocations walk neighbouring lines in lockstep, so on the rows side their loads are adjacent and U's
 * row l is one broadcast load for all of them. (The earlier design, a workgroup per line with a tree reduction of
 * the coefficients, spent its time in barriers: on lavapipe this one is 4-14× faster than the composed tfjs ops,
 * that one 2.6-3.7×.) On a GPU a LoRA group's nb·r lines (hundreds) are too few threads: there, perLine 'workgroup'
 * runs that earlier shape again (project-wide-program.ts).
 *
 * The gate is read here, on the GPU (no read-back), as a flat vector; the uniform gateMode says which entry decides:
 * 0 'always' (none; any buffer is bound), 1 'global' gate[0] < 0 (the caller's Σ dots over all blocks), 2 'block'
 * gate[b] < 0, 3 'direction' gate[b·k + i] < 0. A uniform rather than baked: one pipeline serves all four gates.
 * Baked, and in shaderKey: k (the register array).
 */
export class ProjectProgram implements WebGPUProgram {
  readonly variableNames = ['gt', 'u', 'gate']; // [nb, rows, cols], [nb, L, k], [gate length]
  readonly outputShape: number[];
  shaderKey: string;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number];
  readonly uniforms = `${LINE_UNIFORMS} gateMode : i32,`;
  private readonly k: number;

  private readonly perLine: 'invocation' | 'workgroup';

  /** perLine: one invocation per line (software adapters), or a workgroup (GPUs: project-wide-program.ts). */
  constructor(shape: [number, number, number], S: number, k: number, perLine: 'invocation' | 'workgroup' = 'invocation') {
    this.k = k;
    this.perLine = perLine;
    this.outputShape = shape;
    this.workgroupSize = [perLine === 'workgroup' ? PROJECT_WIDE_WG : WG, 1, 1];
    this.dispatch = perLine === 'workgroup' ? [shape[0] * S, 1, 1] : [Math.ceil((shape[0] * S) / WG), 1, 1];
    this.shaderKey = perLine === 'workgroup' ? `spfProjectWide_k${k}` : `spfProject_k${k}`;
  }

  getUserCode(): string {
    const K = this.k;
    if (this.perLine === 'workgroup') return `${FIRES_WGSL(K)}${projectWideWgsl(K)}`;
    return `
  ${FIRES_WGSL(K)}

  fn main(index : i32) {
    let item = index; // the flat invocation index (tfjs folds a launch past 65535 workgroups into x·y)
    if (item >= uniforms.numBlocks * uniforms.S) {
      return;
    }
    let b = item / uniforms.S;
    let s = item - b * uniforms.S;
    let gBase = b * uniforms.blockSize + s * uniforms.strideS;
    let uBase = b * uniforms.L * ${K};
    var coef = array<f32, ${K}>();
    for (var l = 0; l < uniforms.L; l = l + 1) {
      let v = gt[gBase + l * uniforms.strideL];
      for (var i = 0; i < ${K}; i = i + 1) {
        coef[i] = coef[i] + u[uBase + l * ${K} + i] * v;
      }
    }
    for (var i = 0; i < ${K}; i = i + 1) {
      coef[i] = select(0.0, coef[i], fires(b, i));
    }
    for (var l = 0; l < uniforms.L; l = l + 1) {
      let e = gBase + l * uniforms.strideL;
      var removed = 0.0;
      for (var i = 0; i < ${K}; i = i + 1) {
        removed = removed + coef[i] * u[uBase + l * ${K} + i];
      }
      result[e] = gt[e] - removed;
    }
  }
`;
  }
}

/** Whether direction i of block b is removed, by the gateMode uniform (see ProjectProgram); k baked. */
export function FIRES_WGSL(k: number): string {
  return `
  fn fires(b : i32, i : i32) -> bool {
    switch (uniforms.gateMode) {
      case 0: { return true; }
      case 1: { return gate[0] < 0.0; }
      case 2: { return gate[b] < 0.0; }
      default: { return gate[b * ${k} + i] < 0.0; }
    }
  }
`;
}

/** The gateMode uniform of a gate. */
export function gateModeUniform(gate: SpfGate): ProgramUniform {
  return { type: 'int32', data: [{ always: 0, global: 1, block: 2, direction: 3 }[gate]] };
}
