import type { WebGPUProgram } from '../webgpu-compat';
import { LINE_UNIFORMS } from './line-uniforms';
import { WGSL_CONSTANTS, WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';

const WG = 64;

/**
 * z = Mᵀ Q / ‖G‖_F per block: z[b, s, j] = Σ_l G_b(l, s) Q[b, l, j] / ‖G_b‖_F → [nb, S, k]. The contraction runs
 * over the long side, so one workgroup per (block, line) strides along the line with k accumulators and reduces them
 * in workgroup memory. A block with ‖G‖²_F ≤ MIN_NORM_SQ gives z = 0. k is baked (register arrays), hence in shaderKey.
 */
export class LineCoefficientsProgram implements WebGPUProgram {
  readonly variableNames = ['g', 'basis', 'normSq']; // [nb, rows, cols], [nb, L, k], [nb]
  readonly outputShape: number[];
  shaderKey: string;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = LINE_UNIFORMS;
  private readonly k: number;

  constructor(nb: number, S: number, k: number) {
    this.k = k;
    this.outputShape = [nb, S, k];
    this.dispatch = [nb * S, 1, 1];
    this.shaderKey = `spfLineCoefficients_k${k}`;
  }

  getUserCode(): string {
    const K = this.k;
    return `
  ${WGSL_CONSTANTS}
  ${WORKGROUP_INDEX_WGSL}
  ${workgroupReductionWgsl(WG, K)}

  fn main(index : i32) {
    let item = workgroupIndex(); // one line: block b, line s
    let valid = item < uniforms.numBlocks * uniforms.S;
    let b = item / uniforms.S;
    let s = item - b * uniforms.S;
    let t = i32(localId.x);
    let L = select(0, uniforms.L, valid);
    let gBase = b * uniforms.blockSize + s * uniforms.strideS;
    let qBase = b * uniforms.L * ${K};
    var acc = array<f32, ${K}>();
    for (var l = t; l < L; l = l + ${WG}) {
      let v = g[gBase + l * uniforms.strideL];
      for (var j = 0; j < ${K}; j = j + 1) {
        acc[j] = acc[j] + v * basis[qBase + l * ${K} + j];
      }
    }
    for (var j = 0; j < ${K}; j = j + 1) {
      red[j * ${WG} + t] = acc[j];
    }
    workgroupBarrier();
    reduceChannels(${K});
    if (valid && t < ${K}) {
      let n = normSq[b];
      let scale = select(0.0, inverseSqrt(n), n > MIN_NORM_SQ);
      setOutputAtIndex(item * ${K} + t, red[t * ${WG}] * scale);
    }
  }
`;
  }
}
