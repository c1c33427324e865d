import { MAX_K } from '../spf-types';
import type { WebGPUProgram } from '../webgpu-compat';
import { SEEDED_UNIFORM_WGSL, WGSL_CONSTANTS, WORKGROUP_INDEX_WGSL, workgroupReductionWgsl } from './snippets';

const WG = 128;

/**
 * Orthonormalises the k columns of each block's basis y [nb, L, k] → q [nb, L, k]: CGS2 with collapse replacement,
 * exactly reference/orthonormalize.ts. One workgroup per block. Invocation t owns rows l ≡ t (mod WG) of the output
 * for the whole program, so global memory needs no barriers: only the reductions (dots, norms) meet in workgroup
 * memory. The collapse branch needs the norm as a uniform value: workgroupUniformLoad gives it to every invocation.
 * Uniforms: L, k, numBlocks, seed and round (the replacement vectors' stream). k is a uniform, not baked: this kernel
 * is a sequence of small reductions, nothing to gain from unrolled k-loops, and unrolling them (two inlined
 * orthogonalize() per column) made shader compilation take seconds; one pipeline now serves every k.
 */
export class OrthonormalizeProgram implements WebGPUProgram {
  readonly variableNames = ['y']; // [nb, L, k]
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = 'L : i32, k : i32, numBlocks : i32, seed : u32, round : u32,';
  shaderKey = 'spfOrthonormalize';

  constructor(nb: number, L: number, k: number) {
    this.outputShape = [nb, L, k];
    this.dispatch = [nb, 1, 1];
  }

  getUserCode(): string {
    return `
  ${WGSL_CONSTANTS}
  ${WORKGROUP_INDEX_WGSL}
  ${SEEDED_UNIFORM_WGSL}
  ${workgroupReductionWgsl(WG, MAX_K)}

  var<workgroup> columnNorm : f32;

  // Two classical Gram-Schmidt passes of column j against columns 0..j-1 (in result); returns the remaining norm,
  // uniform across the workgroup.
  fn orthogonalize(base : i32, L : i32, j : i32) -> f32 {
    let t = i32(localId.x);
    for (var sweep = 0; sweep < 2; sweep = sweep + 1) {
      var dots = array<f32, ${MAX_K}>(); // zeroed explicitly each pass: with a bare declaration lavapipe kept the last pass's values
      for (var l = t; l < L; l = l + ${WG}) {
        let v = result[base + l * uniforms.k + j];
        for (var i = 0; i < j; i = i + 1) {
          dots[i] = dots[i] + result[base + l * uniforms.k + i] * v;
        }
      }
      for (var i = 0; i < j; i = i + 1) {
        red[i * ${WG} + t] = dots[i];
      }
      workgroupBarrier();
      reduceChannels(j);
      for (var i = 0; i < j; i = i + 1) {
        dots[i] = red[i * ${WG}];
      }
      workgroupBarrier(); // all have read the dots before red is written again
      for (var l = t; l < L; l = l + ${WG}) {
        var v = result[base + l * uniforms.k + j];
        for (var i = 0; i < j; i = i + 1) {
          v = v - dots[i] * result[base + l * uniforms.k + i];
        }
        result[base + l * uniforms.k + j] = v;
      }
    }
    var sq = 0.0;
    for (var l = t; l < L; l = l + ${WG}) {
      let v = result[base + l * uniforms.k + j];
      sq = sq + v * v;
    }
    red[t] = sq;
    workgroupBarrier();
    reduceChannels(1);
    if (t == 0) {
      columnNorm = sqrt(red[0]);
    }
    return workgroupUniformLoad(&columnNorm);
  }

  fn main(index : i32) {
    let b = workgroupIndex();
    let valid = b < uniforms.numBlocks;
    let t = i32(localId.x);
    let L = select(0, uniforms.L, valid); // a spare workgroup touches nothing but still meets every barrier
    let base = b * uniforms.L * uniforms.k;
    for (var l = t; l < L; l = l + ${WG}) {
      for (var j = 0; j < uniforms.k; j = j + 1) {
        result[base + l * uniforms.k + j] = y[base + l * uniforms.k + j];
      }
    }
    for (var j = 0; j < uniforms.k; j = j + 1) {
      var norm = orthogonalize(base, L, j);
      if (norm <= COLLAPSE_TOL) {
        for (var l = t; l < L; l = l + ${WG}) {
          result[base + l * uniforms.k + j] = seededUniform(uniforms.seed, u32(b), uniforms.round, u32(j), u32(l));
        }
        norm = orthogonalize(base, L, j);
      }
      let scale = select(0.0, 1.0 / norm, norm > COLLAPSE_TOL);
      for (var l = t; l < L; l = l + ${WG}) {
        result[base + l * uniforms.k + j] = result[base + l * uniforms.k + j] * scale;
      }
    }
  }
`;
  }
}
