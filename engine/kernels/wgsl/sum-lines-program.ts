import type { WebGPUProgram } from '../webgpu-compat';
import { WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';

const WG = 64;

/**
 * parts [nb, S, C] → [nb, C], summing over the lines s. One workgroup per (block, channel) with a tree reduction, so
 * the f32 rounding grows with log S rather than S (S is 66000 lines in a test; a sequential sum lost ~1e-5 there).
 * S and C come from the input's shape uniform.
 */
export class SumLinesProgram implements WebGPUProgram {
  readonly variableNames = ['parts']; // [nb, S, C]
  readonly outputShape: number[];
  shaderKey = 'spfSumLines';
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly size = true;

  constructor(nb: number, channels: number) {
    this.outputShape = [nb, channels];
    this.dispatch = [nb * channels, 1, 1];
  }

  getUserCode(): string {
    return `
  ${WORKGROUP_INDEX_WGSL}
  ${workgroupReductionWgsl(WG, 1)}

  fn main(index : i32) {
    let item = workgroupIndex(); // (block b, channel c)
    let valid = item < uniforms.size;
    let t = i32(localId.x);
    let S = select(0, uniforms.partsShape.y, valid);
    let C = uniforms.partsShape.z;
    let b = item / C;
    let c = item - b * C;
    var sum = 0.0;
    for (var s = t; s < S; s = s + ${WG}) {
      sum = sum + parts[(b * uniforms.partsShape.y + s) * C + c];
    }
    red[t] = sum;
    workgroupBarrier();
    reduceChannels(1);
    if (valid && t == 0) {
      setOutputAtIndex(item, red[0]);
    }
  }
`;
  }
}
