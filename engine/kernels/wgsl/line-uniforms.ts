import type { BlockGeometry } from '../block-geometry';
import type { ProgramUniform } from '../webgpu-compat';

/**
 * The uniforms every line-walking program declares first (see BlockGeometry): element (l, s) of block b is
 * G[b·blockSize + l·strideL + s·strideS]. Sizes are uniforms, not baked constants, so one pipeline serves every
 * block shape and both sides.
 */
export const LINE_UNIFORMS = 'L : i32, S : i32, strideL : i32, strideS : i32, blockSize : i32, numBlocks : i32,';

export function lineUniforms(g: BlockGeometry): ProgramUniform[] {
  return [g.L, g.S, g.strideL, g.strideS, g.blockSize, g.nb].map((v) => ({ type: 'int32', data: [v] }));
}

/**
 * The start of main() in a program with one workgroup per line (launched nb·S workgroups, WORKGROUP_INDEX_WGSL
 * declared): the line's block b and index s, this invocation t, the line's length L (0 past the last line, so a
 * strided loop skips it while every invocation still reaches the barriers), and the bases of the line in G and of its
 * block's U [L, k].
 */
export function workgroupLineStartWgsl(k: number): string {
  return `
    let item = workgroupIndex();
    let valid = item < uniforms.numBlocks * uniforms.S;
    let b = item / uniforms.S;
    let s = item - b * uniforms.S;
    let t = i32(localId.x);
    let L = select(0, uniforms.L, valid);
    let gBase = b * uniforms.blockSize + s * uniforms.strideS;
    let uBase = b * uniforms.L * ${k};`;
}
