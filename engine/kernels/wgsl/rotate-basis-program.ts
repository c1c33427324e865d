import type { WebGPUProgram } from '../webgpu-compat';

const WG = 64;

/**
 * U = Q·W per block: u[b, l, i] = Σ_j q[b, l, j] · W_b[j, i], reading W from the Rayleigh-Ritz program's packed
 * output [nb, k + 2, k] (rows 0..k-1). One invocation per (block, l).
 */
export class RotateBasisProgram implements WebGPUProgram {
  readonly variableNames = ['q', 'ritz']; // [nb, L, k], [nb, k + 2, k]
  readonly outputShape: number[];
  shaderKey: string;
  readonly dispatchLayout = { x: [0, 1, 2] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = 'L : i32, numBlocks : i32,';
  private readonly k: number;

  constructor(nb: number, L: number, k: number) {
    this.k = k;
    this.outputShape = [nb, L, k];
    this.dispatch = [Math.ceil((nb * L) / WG), 1, 1];
    this.shaderKey = `spfRotateBasis_k${k}`;
  }

  getUserCode(): string {
    const K = this.k;
    return `
  fn main(index : i32) {
    if (index < uniforms.numBlocks * uniforms.L) {
      let b = index / uniforms.L;
      let wBase = b * ${(K + 2) * K};
      for (var i = 0; i < ${K}; i = i + 1) {
        var sum = 0.0;
        for (var j = 0; j < ${K}; j = j + 1) {
          sum = sum + q[index * ${K} + j] * ritz[wBase + j * ${K} + i];
        }
        setOutputAtIndex(index * ${K} + i, sum);
      }
    }
  }
`;
  }
}
