import type { WebGPUProgram } from '../webgpu-compat';
import { LINE_UNIFORMS, workgroupLineStartWgsl } from './line-uniforms';
import { WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';

const WG = 64;

/**
 * The gate's reductions, per (block, line s), in one read of G_t, G_s and U → [nb, S, 3 + k]:
 *   [⟨G_t, G_s⟩_line, ‖G_t‖²_line, ‖G_s‖²_line, a_0·c_0, ..., a_{k-1}·c_{k-1}]
 * with a_i = Σ_l U[l,i] G_t(l,s), c_i = Σ_l U[l,i] G_s(l,s) (reference/gate-dots.ts). SumLinesProgram then sums over s.
 * One workgroup per line; 3 + 2k channels reduced together.
 */
export class GatePartialsProgram implements WebGPUProgram {
  readonly variableNames = ['gt', 'gs', 'u']; // [nb, rows, cols] ×2, [nb, L, k]
  readonly outputShape: number[];
  shaderKey: string;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = LINE_UNIFORMS;
  private readonly k: number;

  constructor(nb: number, S: number, k: number) {
    this.k = k;
    this.outputShape = [nb, S, 3 + k];
    this.dispatch = [nb * S, 1, 1];
    this.shaderKey = `spfGatePartials_k${k}`;
  }

  getUserCode(): string {
    const K = this.k;
    const C = 3 + 2 * K; // dot, gtSq, gsSq, a[K], c[K]
    return `
  ${WORKGROUP_INDEX_WGSL}
  ${workgroupReductionWgsl(WG, C)}

  fn main(index : i32) {
    ${workgroupLineStartWgsl(K)}
    var acc = array<f32, ${C}>();
    for (var l = t; l < L; l = l + ${WG}) {
      let e = gBase + l * uniforms.strideL;
      let x = gt[e];
      let y = gs[e];
      acc[0] = acc[0] + x * y;
      acc[1] = acc[1] + x * x;
      acc[2] = acc[2] + y * y;
      for (var i = 0; i < ${K}; i = i + 1) {
        let v = u[uBase + l * ${K} + i];
        acc[3 + i] = acc[3 + i] + v * x;
        acc[${3 + K} + i] = acc[${3 + K} + i] + v * y;
      }
    }
    for (var c = 0; c < ${C}; c = c + 1) {
      red[c * ${WG} + t] = acc[c];
    }
    workgroupBarrier();
    reduceChannels(${C});
    if (valid && t < ${3 + K}) {
      var value = red[t * ${WG}];
      if (t >= 3) {
        value = value * red[(t + ${K}) * ${WG}];
      }
      setOutputAtIndex(item * ${3 + K} + t, value);
    }
  }
`;
  }
}
