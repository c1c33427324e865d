import type { WebGPUProgram } from '../webgpu-compat';
import { SEEDED_UNIFORM_WGSL } from './snippets';

const WG = 64;

/**
 * The random start of the subspace iteration: out[b, l, j] = seededUniform(seed, b, round, j, l) for a basis
 * [nb, L, k], bit-identical to the reference's. Uniforms: seed, round (u32).
 */
export class SeededFillProgram implements WebGPUProgram {
  readonly variableNames: string[] = [];
  readonly outputShape: number[];
  shaderKey = 'spfSeededFill';
  readonly dispatchLayout = { x: [0, 1, 2] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = 'seed : u32, round : u32,';
  readonly size = true;

  constructor(shape: [number, number, number]) {
    this.outputShape = shape; // [nb, L, k]
    this.dispatch = [Math.ceil((shape[0] * shape[1] * shape[2]) / WG), 1, 1];
  }

  getUserCode(): string {
    return `
  ${SEEDED_UNIFORM_WGSL}

  fn main(index : i32) {
    if (index < uniforms.size) {
      let c = getCoordsFromIndex(index); // (b, l, j)
      setOutputAtIndex(index, seededUniform(uniforms.seed, u32(c.x), uniforms.round, u32(c.z), u32(c.y)));
    }
  }
`;
  }
}
