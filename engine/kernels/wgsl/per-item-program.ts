import type { WebGPUProgram } from '../webgpu-compat';

/**
 * What the one-invocation-per-item programs share (a row of attention scores, a row of hidden states, an element): a
 * flat launch of `items` invocations in workgroups of 64, each program's WGSL main(index) taking the flat invocation
 * index and returning past the last item. Subclasses name their inputs, uniforms and shader key, and write the WGSL.
 */
export abstract class PerItemProgram implements WebGPUProgram {
  abstract readonly variableNames: string[];
  abstract readonly shaderKey: string;
  abstract readonly uniforms: string;
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [64, 1, 1];

  constructor(outputShape: number[], items: number) {
    this.outputShape = outputShape;
    this.dispatch = [Math.ceil(items / 64), 1, 1];
  }

  abstract getUserCode(): string;
}

/**
 * A per-element program whose output is one WGSL expression of `i` (the element) over its inputs, after an optional
 * prelude of `let`s: AdamW's and SwiGLU's pieces. Uniforms declare `size` first.
 */
export abstract class ElementwiseProgram extends PerItemProgram {
  protected abstract readonly valueWgsl: string;
  protected readonly preludeWgsl: string = '';

  constructor(size: number) {
    super([size], size);
  }

  getUserCode(): string {
    return `
  fn main(index : i32) {
    let i = index;
    if (i >= uniforms.size) {
      return;
    }
    ${this.preludeWgsl}
    result[i] = ${this.valueWgsl};
  }
`;
  }
}
