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
