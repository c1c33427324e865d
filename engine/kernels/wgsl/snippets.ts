/**
 * WGSL shared by the SPF programs. Each program's getUserCode() concatenates the pieces it needs; the generated
 * prefix from tfjs (uniforms, bindings, localId / workgroupId / numWorkgroups privates) comes before them.
 */
import { COLLAPSE_TOL, JACOBI_STOP_SQ, MIN_NORM_SQ, RANK_RTOL, ZERO_BLOCK_RTOL } from '../spf-types';

/** f32 literals of the shared tolerances, so WGSL and TypeScript test the same numbers. */
export const WGSL_CONSTANTS = `
  const MIN_NORM_SQ : f32 = ${MIN_NORM_SQ.toExponential()};
  const COLLAPSE_TOL : f32 = ${COLLAPSE_TOL.toExponential()};
  const RANK_RTOL_SQ : f32 = ${(RANK_RTOL * RANK_RTOL).toExponential()};
  const ZERO_BLOCK_RTOL_SQ : f32 = ${(ZERO_BLOCK_RTOL * ZERO_BLOCK_RTOL).toExponential()};
  const JACOBI_STOP_SQ : f32 = ${JACOBI_STOP_SQ.toExponential()};
`;

/**
 * Index of this workgroup in a 1-D launch. Not workgroupId.x alone: tfjs folds a dispatch larger than the per-
 * dimension limit (65535) into x·y(·z), and then this flat index is the one that still counts 0, 1, 2, ...
 */
export const WORKGROUP_INDEX_WGSL = `
  fn workgroupIndex() -> i32 {
    return i32(workgroupId.x + workgroupId.y * numWorkgroups.x + workgroupId.z * numWorkgroups.x * numWorkgroups.y);
  }
`;

/**
 * Reduction of up to `channels` values across a workgroup of `size` invocations (a power of two). Invocation t
 * writes channel c's partial to red[c·size + t], calls workgroupBarrier(), then reduceChannels(count); afterwards
 * red[c·size] holds channel c's total for every invocation to read. Must be called from uniform control flow.
 * 'tree' halves the partials log2(size) times, a barrier each; 'flat' lets invocation c add up channel c alone, one
 * barrier. Flat is for programs that reduce hundreds of times per dispatch (the subspace iteration): every barrier
 * costs a switch through all invocations on a software adapter, and a channel's `size` additions cost less.
 */
export function workgroupReductionWgsl(size: number, channels: number, shape: 'tree' | 'flat' = 'tree'): string {
  if (!Number.isInteger(Math.log2(size))) throw new Error(`workgroup size ${size} is not a power of two`);
  const declaration = `var<workgroup> red : array<f32, ${size * Math.max(1, channels)}>;`;
  if (shape === 'flat') {
    return `
  ${declaration}

  fn reduceChannels(count : i32) {
    let t = i32(localId.x);
    if (t < count) {
      var sum = 0.0;
      for (var i = 0; i < ${size}; i = i + 1) {
        sum = sum + red[t * ${size} + i];
      }
      red[t * ${size}] = sum;
    }
    workgroupBarrier();
  }
`;
  }
  return `
  ${declaration}

  fn reduceChannels(count : i32) {
    let t = i32(localId.x);
    for (var stride = ${size / 2}; stride > 0; stride = stride / 2) {
      if (t < stride) {
        for (var c = 0; c < count; c = c + 1) {
          red[c * ${size} + t] = red[c * ${size} + t] + red[c * ${size} + t + stride];
        }
      }
      workgroupBarrier();
    }
  }
`;
}

/** WGSL twin of reference/seeded-uniform.ts: bit-identical values (PCG hash, 24 bits → [-1, 1) exactly in f32). */
export const SEEDED_UNIFORM_WGSL = `
  fn pcgHash(v : u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
  }

  fn seededUniform(seed : u32, block : u32, round : u32, col : u32, row : u32) -> f32 {
    var h = pcgHash(seed);
    h = pcgHash(h ^ block);
    h = pcgHash(h ^ round);
    h = pcgHash(h ^ col);
    h = pcgHash(h ^ row);
    return f32(h >> 8u) * (1.0 / 8388608.0) - 1.0;
  }
`;
