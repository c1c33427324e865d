import type { ProgramUniform } from '../webgpu-compat';
import { PerItemProgram } from './per-item-program';

/**
 * Attention's causal softmax over the last axis of scores [rows, S], fused with the 1/√d scale and the causal mask:
 * row r is query t = r mod T (at absolute position offset + t), which sees keys j ≤ offset + t. The composed tfjs ops
 * (scale, add the mask, softmax) make three full passes over a [B, H, T, S] tensor plus a workgroup tree reduction per
 * row; here one invocation walks one row, reads only the keys the query sees (half of them, on average), and writes
 * zeros past them. No workgroup memory and no barriers, as in project-program.ts: on lavapipe barriers cost more than
 * the arithmetic. Attention has B·H·T rows (thousands at training size): enough invocations.
 */
export const CAUSAL_SOFTMAX_UNIFORMS = 'rows : i32, S : i32, T : i32, offset : i32, scale : f32,';

export function causalSoftmaxUniforms(rows: number, S: number, T: number, offset: number, scale: number): ProgramUniform[] {
  return [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [S] },
    { type: 'int32', data: [T] },
    { type: 'int32', data: [offset] },
    { type: 'float32', data: [scale] },
  ];
}

/** The last key row r's query sees, shared by both programs. */
const ROW_WGSL = `
  fn lastKey(row : i32) -> i32 {
    return min(uniforms.offset + row % uniforms.T, uniforms.S - 1);
  }
`;

/** probs [rows, S] = softmax(scale · scores + causal mask). */
export class CausalSoftmaxProgram extends PerItemProgram {
  readonly variableNames = ['scores'];
  readonly shaderKey = 'safetuneCausalSoftmax';
  readonly uniforms = CAUSAL_SOFTMAX_UNIFORMS;

  constructor(rows: number, S: number) {
    super([rows, S], rows);
  }

  getUserCode(): string {
    return `
  ${ROW_WGSL}
  fn main(index : i32) {
    let row = index;
    if (row >= uniforms.rows) {
      return;
    }
    let base = row * uniforms.S;
    let last = lastKey(row);
    var peak = scores[base];
    for (var j = 1; j <= last; j = j + 1) {
      peak = max(peak, scores[base + j]);
    }
    var total = 0.0;
    for (var j = 0; j <= last; j = j + 1) {
      total = total + exp((scores[base + j] - peak) * uniforms.scale);
    }
    let inv = 1.0 / total;
    for (var j = 0; j <= last; j = j + 1) {
      result[base + j] = exp((scores[base + j] - peak) * uniforms.scale) * inv;
    }
    for (var j = last + 1; j < uniforms.S; j = j + 1) {
      result[base + j] = 0.0;
    }
  }
`;
  }
}

/**
 * The gradient of the scores: dScores = scale · p ⊙ (dp − Σ_j dp_j p_j) per row, zero past the query's last key
 * (there p = 0). One invocation per row, like the forward program.
 */
export class CausalSoftmaxGradProgram extends PerItemProgram {
  readonly variableNames = ['probs', 'dprobs'];
  readonly shaderKey = 'safetuneCausalSoftmaxGrad';
  readonly uniforms = CAUSAL_SOFTMAX_UNIFORMS;

  constructor(rows: number, S: number) {
    super([rows, S], rows);
  }

  getUserCode(): string {
    return `
  ${ROW_WGSL}
  fn main(index : i32) {
    let row = index;
    if (row >= uniforms.rows) {
      return;
    }
    let base = row * uniforms.S;
    let last = lastKey(row);
    var dot = 0.0;
    for (var j = 0; j <= last; j = j + 1) {
      dot = dot + probs[base + j] * dprobs[base + j];
    }
    for (var j = 0; j <= last; j = j + 1) {
      result[base + j] = uniforms.scale * probs[base + j] * (dprobs[base + j] - dot);
    }
    for (var j = last + 1; j < uniforms.S; j = j + 1) {
      result[base + j] = 0.0;
    }
  }
`;
  }
}
