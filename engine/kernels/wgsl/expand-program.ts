import type { WebGPUProgram } from '../webgpu-compat';
import { LINE_UNIFORMS } from './line-uniforms';
import { WGSL_CONSTANTS } from './snippets';

const WG = 64;

/**
 * y = M z / ‖G‖_F per block: y[b, l, j] = Σ_s G_b(l, s) z[b, s, j] / ‖G_b‖_F → [nb, L, k]. The contraction runs over
 * the short side (≤ the LoRA rank in SPF), so one invocation per (block, l) keeps k sums in registers.
 */
export class ExpandProgram implements WebGPUProgram {
  readonly variableNames = ['g', 'z', 'normSq']; // [nb, rows, cols], [nb, S, k], [nb]
  readonly outputShape: number[];
  shaderKey: string;
  readonly dispatchLayout = { x: [0, 1, 2] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = LINE_UNIFORMS;
  private readonly k: number;

  constructor(nb: number, L: number, k: number) {
    this.k = k;
    this.outputShape = [nb, L, k];
    this.dispatch = [Math.ceil((nb * L) / WG), 1, 1];
    this.shaderKey = `spfExpand_k${k}`;
  }

  getUserCode(): string {
    const K = this.k;
    return `
  ${WGSL_CONSTANTS}

  fn main(index : i32) {
    if (index < uniforms.numBlocks * uniforms.L) {
      let b = index / uniforms.L;
      let l = index - b * uniforms.L;
      let gBase = b * uniforms.blockSize + l * uniforms.strideL;
      let zBase = b * uniforms.S * ${K};
      var acc = array<f32, ${K}>();
      for (var s = 0; s < uniforms.S; s = s + 1) {
        let v = g[gBase + s * uniforms.strideS];
        for (var j = 0; j < ${K}; j = j + 1) {
          acc[j] = acc[j] + v * z[zBase + s * ${K} + j];
        }
      }
      let n = normSq[b];
      let scale = select(0.0, inverseSqrt(n), n > MIN_NORM_SQ);
      for (var j = 0; j < ${K}; j = j + 1) {
        setOutputAtIndex(index * ${K} + j, acc[j] * scale);
      }
    }
  }
`;
  }
}
