import type { ProgramUniform } from '../webgpu-compat';
import { PerItemProgram } from './per-item-program';

/**
 * RoPE on x [rows, D] whose rows are positions stacked in blocks of T (row r is at absolute position offset + r mod T),
 * with HF's rotate_half layout: y_i = x_i·cos_i + r_i·sin_i, r_i = −x_{i+D/2} for i < D/2, x_{i−D/2} otherwise; cos and
 * sin are the [maxLen, D] tables (engine/model/rope.ts). The gradient is the inverse rotation:
 * dx_i = dy_i·cos_i + (dy_{i+D/2}·sin_{i+D/2} for i < D/2, −dy_{i−D/2}·sin_{i−D/2} otherwise). One invocation per
 * element, one dispatch each way, where the composed tfjs ops take eight (two table slices, split, neg, concat, two
 * multiplies, add) and as many backward.
 */
export const ROPE_UNIFORMS = 'size : i32, T : i32, D : i32, offset : i32,';

export function ropeUniforms(size: number, T: number, D: number, offset: number): ProgramUniform[] {
  return [size, T, D, offset].map((v): ProgramUniform => ({ type: 'int32', data: [v] }));
}

export class RopeProgram extends PerItemProgram {
  readonly variableNames = ['x', 'cosTable', 'sinTable'];
  readonly shaderKey: string;
  readonly uniforms = ROPE_UNIFORMS;
  private readonly backward: boolean;

  /** backward: x is dy, and the program writes dx. */
  constructor(size: number, backward: boolean) {
    super([size], size);
    this.backward = backward;
    this.shaderKey = `safetuneRope_${backward ? 'grad' : 'forward'}`;
  }

  getUserCode(): string {
    const partner = this.backward
      ? 'select(-x[idx - half] * sinTable[tab - half], x[idx + half] * sinTable[tab + half], i < half)'
      : 'select(x[idx - half], -x[idx + half], i < half) * sinTable[tab]';
    return `
  fn main(index : i32) {
    let idx = index;
    if (idx >= uniforms.size) {
      return;
    }
    let D = uniforms.D;
    let half = D / 2;
    let row = idx / D;
    let i = idx - row * D;
    let tab = (uniforms.offset + row % uniforms.T) * D + i;
    result[idx] = x[idx] * cosTable[tab] + ${partner};
  }
`;
  }
}
