import type { WebGPUProgram } from '../webgpu-compat';
import { WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';

const WG = 128;

/**
 * Σ x² over each block of x [nb, rows, cols] → [nb]; with `difference`, Σ (x − y)² (the energy a projection removed).
 * One workgroup per block, strided loads, one tree reduction. Uniform: blockSize = rows·cols.
 */
export class BlockSumSquaresProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  shaderKey: string;
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = 'blockSize : i32,';
  private readonly difference: boolean;

  constructor(nb: number, difference: boolean) {
    this.difference = difference;
    this.variableNames = difference ? ['lhs', 'rhs'] : ['lhs']; // [nb, rows, cols] each
    this.outputShape = [nb];
    this.dispatch = [nb, 1, 1];
    this.shaderKey = `spfBlockSumSquares_${difference ? 'diff' : 'plain'}`;
  }

  getUserCode(): string {
    const value = this.difference ? 'lhs[base + e] - rhs[base + e]' : 'lhs[base + e]';
    return `
  ${WORKGROUP_INDEX_WGSL}
  ${workgroupReductionWgsl(WG, 1)}

  fn main(index : i32) {
    let b = workgroupIndex();
    let valid = b < uniforms.outShape;
    let t = i32(localId.x);
    let size = select(0, uniforms.blockSize, valid);
    let base = b * uniforms.blockSize;
    var acc = 0.0;
    for (var e = t; e < size; e = e + ${WG}) {
      let v = ${value};
      acc = acc + v * v;
    }
    red[t] = acc;
    workgroupBarrier();
    reduceChannels(1);
    if (valid && t == 0) {
      setOutputAtIndex(b, red[0]);
    }
  }
`;
  }
}
