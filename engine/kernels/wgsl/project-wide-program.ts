import type { WebGPUProgram } from '../webgpu-compat';
import { LINE_UNIFORMS } from './line-uniforms';
import { WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';
import { FIRES_WGSL } from './project-program';

const WG = 64;

/**
 * The fused, gated projection of ProjectProgram with a workgroup per line instead of one invocation: the workgroup's
 * invocations stride along the line, reduce the k coefficients together (one tree), and write their elements. For a
 * real GPU. One invocation per line leaves a LoRA group's nb·r lines (hundreds) as that many threads, each walking
 * L elements twice in sequence — too few to fill a GPU's dozens of multiprocessors, so it runs at one load's latency
 * per element (on an H200, 1.2 ms per 32 × 16 × 2048 group: 0.44× the composed tfjs ops, issue 11's device run). On a
 * software adapter the reverse holds (its cores are few and each barrier is a pass over all invocations), so that
 * keeps ProjectProgram (selected in project.ts).
 */
export class ProjectWideProgram implements WebGPUProgram {
  readonly variableNames = ['gt', 'u', 'gate']; // [nb, rows, cols], [nb, L, k], [gate length]
  readonly outputShape: number[];
  shaderKey: string;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = `${LINE_UNIFORMS} gateMode : i32,`;
  private readonly k: number;

  constructor(shape: [number, number, number], S: number, k: number) {
    this.k = k;
    this.outputShape = shape;
    this.dispatch = [shape[0] * S, 1, 1];
    this.shaderKey = `spfProjectWide_k${k}`;
  }

  getUserCode(): string {
    const K = this.k;
    return `
  ${WORKGROUP_INDEX_WGSL}
  ${workgroupReductionWgsl(WG, K)}
  ${FIRES_WGSL(K)}

  fn main(index : i32) {
    let item = workgroupIndex();
    let valid = item < uniforms.numBlocks * uniforms.S;
    let b = item / uniforms.S;
    let s = item - b * uniforms.S;
    let t = i32(localId.x);
    let L = select(0, uniforms.L, valid);
    let gBase = b * uniforms.blockSize + s * uniforms.strideS;
    let uBase = b * uniforms.L * ${K};
    var coef = array<f32, ${K}>();
    for (var l = t; l < L; l = l + ${WG}) {
      let v = gt[gBase + l * uniforms.strideL];
      for (var i = 0; i < ${K}; i = i + 1) {
        coef[i] = coef[i] + u[uBase + l * ${K} + i] * v;
      }
    }
    for (var i = 0; i < ${K}; i = i + 1) {
      red[i * ${WG} + t] = coef[i];
    }
    workgroupBarrier();
    reduceChannels(${K});
    for (var i = 0; i < ${K}; i = i + 1) {
      coef[i] = select(0.0, red[i * ${WG}], valid && fires(b, i));
    }
    for (var l = t; l < L; l = l + ${WG}) {
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
