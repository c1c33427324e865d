import type { ProgramUniform } from '../webgpu-compat';
import { PerItemProgram } from './per-item-program';

/**
 * C [m, n] = alpha · op(a) · op(b) (+ addend), for LoRA's products, where one of the three sizes is the adapter's rank
 * r (8–64): x·Aᵀ and dy·B ([N, r], a narrow output), dhᵀ·x and dyᵀ·down ([r, in] and [out, r], a reduction over the
 * N tokens), and the merged weight W + s·B·A (a reduction over r). tfjs-webgpu's tiled matmul runs these at half its
 * rate on lavapipe or worse (its 32-wide tiles are mostly idle at r = 16, and a transposed operand loses its vec4
 * path); here each invocation keeps `cols` outputs of one row of C in registers and walks k once, so op(a)'s element
 * is loaded once for all of them. The same holds for one row by a frozen weight (a decode step, m = 1: x·Wᵀ in
 * engine/model/frozen-matmul.ts), which tfjs runs at a fraction of its rate too.
 *
 * Every operand is addressed by strides, so a transposed operand is only a different stride, never a copy:
 * op(a)[i, k] = a[aOff + i·as0 + k·as1], op(b)[k, j] = b[bOff + k·bs0 + j·bs1], addend[i, j] = c[i·cs0 + j·cs1]; C is
 * row-major. The offsets let a product reduce over a range of rows of the stored operands without a slice (a training
 * batch's rows and, after them, SPF's anchors' rows in one pass: engine/model/folded-lora.ts). Blocks do that per block
 * of C's rows or columns: block q of `rowBlock` rows reads a and b `aRowShift`·q and `bRowShift`·q elements further on
 * (op(a)'s row within its block, i mod rowBlock, takes as0), likewise for columns — each SPF anchor group's gradient from
 * its own rows of the batch, side by side, in one dispatch and without a mask.
 */
export const STRIDED_MATMUL_UNIFORMS = 'm : i32, n : i32, k : i32, as0 : i32, as1 : i32, bs0 : i32, bs1 : i32, cs0 : i32, cs1 : i32, aOff : i32, bOff : i32, rowBlock : i32, aRowShift : i32, bRowShift : i32, colBlock : i32, aColShift : i32, bColShift : i32, alpha : f32,';

export interface StridedMatMulShape {
  m: number;
  n: number;
  k: number;
  aStrides: [number, number];
  bStrides: [number, number];
  /** Strides of the addend, when there is one. */
  cStrides?: [number, number];
  /** Elements of a and b before op(a)[0, 0] and op(b)[0, 0] (0 when absent). */
  aOffset?: number;
  bOffset?: number;
  /** C's rows (columns) in blocks of `size`, block q reading a and b q·aShift and q·bShift elements further on. */
  rowBlocks?: MatMulBlocks;
  colBlocks?: MatMulBlocks;
  alpha: number;
}

export interface MatMulBlocks {
  size: number;
  aShift: number;
  bShift: number;
}

export function stridedMatMulUniforms(s: StridedMatMulShape): ProgramUniform[] {
  const blocks = (b: MatMulBlocks | undefined, whole: number): number[] => (b === undefined ? [whole, 0, 0] : [b.size, b.aShift, b.bShift]);
  const ints = [s.m, s.n, s.k, ...s.aStrides, ...s.bStrides, ...(s.cStrides ?? [0, 0]), s.aOffset ?? 0, s.bOffset ?? 0, ...blocks(s.rowBlocks, s.m), ...blocks(s.colBlocks, s.n)];
  return [...ints.map((v): ProgramUniform => ({ type: 'int32', data: [v] })), { type: 'float32', data: [s.alpha] }];
}

/**
 * Outputs per invocation: enough to reuse op(a)'s element, few enough to stay in registers, and within one block of
 * `colBlock` columns (a divisor of it) so that an invocation reads one block's rows.
 */
export function colsPerInvocation(n: number, colBlock = n): number {
  let cols = n >= 16 ? 16 : n >= 8 ? 8 : 4;
  if (colBlock !== n) while (cols > 1 && colBlock % cols !== 0) cols /= 2;
  return cols;
}

export class StridedMatMulProgram extends PerItemProgram {
  readonly variableNames: string[];
  readonly shaderKey: string;
  readonly uniforms = STRIDED_MATMUL_UNIFORMS;
  private readonly cols: number;
  private readonly withAddend: boolean;

  constructor(m: number, n: number, withAddend: boolean, colBlock = n) {
    const cols = colsPerInvocation(n, colBlock);
    super([m, n], m * Math.ceil(n / cols));
    this.cols = cols;
    this.withAddend = withAddend;
    this.variableNames = withAddend ? ['a', 'b', 'c'] : ['a', 'b'];
    this.shaderKey = `safetuneStridedMatMul_${cols}_${withAddend ? 'add' : 'plain'}`;
  }

  getUserCode(): string {
    const cols = [...Array(this.cols).keys()];
    // Past the last column an invocation reads column n − 1 again (in bounds) and writes nothing.
    const declare = cols.map((t) => `let b${t} = (min(j0 + ${t}, uniforms.n - 1) - cq * uniforms.colBlock) * uniforms.bs1;\n    var acc${t} = 0.0;`).join('\n    ');
    const accumulate = cols.map((t) => `acc${t} = acc${t} + av * b[bk + b${t}];`).join('\n      ');
    const addend = (t: number) => (this.withAddend ? ` + c[i * uniforms.cs0 + (j0 + ${t}) * uniforms.cs1]` : '');
    const write = cols.map((t) => `if (j0 + ${t} < uniforms.n) { result[i * uniforms.n + j0 + ${t}] = uniforms.alpha * acc${t}${addend(t)}; }`).join('\n    ');
    return `
  fn main(index : i32) {
    let groups = (uniforms.n + ${this.cols - 1}) / ${this.cols};
    if (index >= uniforms.m * groups) {
      return;
    }
    let i = index / groups;
    let j0 = (index - i * groups) * ${this.cols};
    let rq = i / uniforms.rowBlock;
    let cq = j0 / uniforms.colBlock;
    let aRow = uniforms.aOff + rq * uniforms.aRowShift + cq * uniforms.aColShift + (i - rq * uniforms.rowBlock) * uniforms.as0;
    let bBase = uniforms.bOff + rq * uniforms.bRowShift + cq * uniforms.bColShift;
    ${declare}
    for (var kk = 0; kk < uniforms.k; kk = kk + 1) {
      let av = a[aRow + kk * uniforms.as1];
      let bk = bBase + kk * uniforms.bs0;
      ${accumulate}
    }
    ${write}
  }
`;
  }
}
