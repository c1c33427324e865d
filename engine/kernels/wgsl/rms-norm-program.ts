import type { ProgramUniform } from '../webgpu-compat';
import { PerItemProgram } from './per-item-program';

/**
 * RMSNorm over the last axis, y = x · r · w with r = 1/√(mean(x²) + ε), x [rows, n], w [n]: one invocation per row,
 * which reads its row twice (Σ x², then the write). The composed tfjs ops are six dispatches forward (square, mean,
 * add, rsqrt, two multiplies) and about a dozen backward, each a full pass over [rows, n]; their mean is a
 * workgroup tree reduction per row, whose barriers dominate on lavapipe. Rows are the tokens of a step (B·T, or
 * B·H·T for Qwen3's per-head norms): hundreds to thousands of invocations.
 */
export const RMS_NORM_UNIFORMS = 'rows : i32, n : i32, eps : f32,';

export function rmsNormUniforms(rows: number, n: number, eps: number): ProgramUniform[] {
  return [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [n] },
    { type: 'float32', data: [eps] },
  ];
}

const INV_RMS_WGSL = `
  fn invRms(base : i32) -> f32 {
    var sumSq = 0.0;
    for (var j = 0; j < uniforms.n; j = j + 1) {
      let v = x[base + j];
      sumSq = sumSq + v * v;
    }
    return inverseSqrt(sumSq / f32(uniforms.n) + uniforms.eps);
  }
`;

export class RmsNormProgram extends PerItemProgram {
  readonly variableNames = ['x', 'w'];
  readonly shaderKey = 'safetuneRmsNorm';
  readonly uniforms = RMS_NORM_UNIFORMS;

  constructor(rows: number, n: number) {
    super([rows, n], rows);
  }

  getUserCode(): string {
    return `
  ${INV_RMS_WGSL}
  fn main(index : i32) {
    let row = index;
    if (row >= uniforms.rows) {
      return;
    }
    let base = row * uniforms.n;
    let r = invRms(base);
    for (var j = 0; j < uniforms.n; j = j + 1) {
      result[base + j] = x[base + j] * r * w[j];
    }
  }
`;
  }
}

/** dx = r · (w ⊙ dy) − x · r³ · mean(w ⊙ dy ⊙ x), with r recomputed from x (cheaper than a second output). */
export class RmsNormGradProgram extends PerItemProgram {
  readonly variableNames = ['x', 'w', 'dy'];
  readonly shaderKey = 'safetuneRmsNormGrad';
  readonly uniforms = RMS_NORM_UNIFORMS;

  constructor(rows: number, n: number) {
    super([rows, n], rows);
  }

  getUserCode(): string {
    return `
  fn main(index : i32) {
    let row = index;
    if (row >= uniforms.rows) {
      return;
    }
    let base = row * uniforms.n;
    var sumSq = 0.0;
    var dot = 0.0;
    for (var j = 0; j < uniforms.n; j = j + 1) {
      let v = x[base + j];
      sumSq = sumSq + v * v;
      dot = dot + w[j] * dy[base + j] * v;
    }
    let r = inverseSqrt(sumSq / f32(uniforms.n) + uniforms.eps);
    let c = r * r * r * dot / f32(uniforms.n);
    for (var j = 0; j < uniforms.n; j = j + 1) {
      result[base + j] = r * w[j] * dy[base + j] - x[base + j] * c;
    }
  }
`;
  }
}
