import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from '../errors';
import { isWebGPUActive, runProgram } from './webgpu-compat';
import { StridedMatMulProgram, stridedMatMulUniforms } from './wgsl/strided-matmul-program';

export interface StridedMatMulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Multiplies the product (not the addend). */
  alpha?: number;
  /** Added to the scaled product: [m, n], or [n, m] read transposed with `transposeAddend`. */
  addend?: tf.Tensor2D;
  transposeAddend?: boolean;
  /**
   * Reduce over k in [start, start + count) only (default: all of k): a product over a range of a batch's rows, read
   * in place (on WebGPU) rather than sliced out.
   */
  contraction?: { start: number; count: number };
  /**
   * `count` products side by side along C's rows (or columns), the q-th reducing over the contraction shifted by
   * q·kStride: [count·m, n] (or [m, count·n]). SPF's anchor groups (engine/model/folded-lora.ts): each block one
   * group's rows of the batch, in one dispatch on WebGPU. No addend with blocks.
   */
  blocks?: { along: 'rows' | 'cols'; count: number; kStride: number };
}

/**
 * alpha · op(a) · op(b) (+ op(addend)) for LoRA's rank-r products and one-row products (see
 * wgsl/strided-matmul-program.ts for why). On WebGPU one dispatch that reads the transposed operands in place;
 * elsewhere the same value from tfjs ops. No gradient: for use inside a custom gradient.
 */
export function stridedMatMul(a: tf.Tensor2D, b: tf.Tensor2D, opts: StridedMatMulOptions = {}): tf.Tensor2D {
  const { transposeA = false, transposeB = false, alpha = 1, addend, transposeAddend = false, contraction, blocks } = opts;
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = transposeB ? [b.shape[1], b.shape[0]] : b.shape;
  const addendShape = addend && (transposeAddend ? [addend.shape[1], addend.shape[0]] : addend.shape);
  if (k !== kb || (addendShape && (addendShape[0] !== m || addendShape[1] !== n))) {
    const what = `[${a.shape.join(', ')}]${transposeA ? 'ᵀ' : ''} · [${b.shape.join(', ')}]${transposeB ? 'ᵀ' : ''}${addend ? ` + [${addend.shape.join(', ')}]${transposeAddend ? 'ᵀ' : ''}` : ''}`;
    throw new SafeTuneError('bad-argument', `stridedMatMul: shapes do not match: ${what}`);
  }
  const { start, count } = contraction ?? { start: 0, count: k };
  const { along, count: nBlocks, kStride } = blocks ?? { along: 'rows', count: 1, kStride: 0 };
  const last = start + (nBlocks - 1) * kStride;
  if (![start, count, nBlocks, kStride].every(Number.isInteger) || start < 0 || count < 1 || nBlocks < 1 || kStride < 0 || last + count > k) {
    const range = nBlocks === 1 ? `[${start}, ${start + count})` : `[${start}, ${start + count}) in ${nBlocks} blocks ${kStride} apart`;
    throw new SafeTuneError('bad-argument', `stridedMatMul: contraction ${range} is not within k = ${k}`);
  }
  if (blocks !== undefined && addend !== undefined) throw new SafeTuneError('bad-argument', 'stridedMatMul: blocks take no addend');
  if (nBlocks > 1 && !isWebGPUActive()) {
    return tf.tidy(() => {
      const parts = Array.from({ length: nBlocks }, (_, q) => stridedMatMul(a, b, { transposeA, transposeB, alpha, contraction: { start: start + q * kStride, count } }));
      return tf.concat(parts, along === 'rows' ? 0 : 1) as tf.Tensor2D;
    });
  }
  if (!isWebGPUActive()) {
    return tf.tidy(() => {
      const whole = start === 0 && count === k;
      const aPart = whole ? a : transposeA ? tf.slice(a, [start, 0], [count, -1]) : tf.slice(a, [0, start], [-1, count]);
      const bPart = whole ? b : transposeB ? tf.slice(b, [0, start], [-1, count]) : tf.slice(b, [start, 0], [count, -1]);
      const product = tf.mul(tf.matMul(aPart, bPart, transposeA, transposeB), alpha);
      return (addend ? tf.add(product, transposeAddend ? tf.transpose(addend) : addend) : product) as tf.Tensor2D;
    });
  }
  // Row-major strides of the stored tensors, swapped where the operand is read transposed.
  const strides = (t: tf.Tensor2D, transposed: boolean): [number, number] => (transposed ? [1, t.shape[1]] : [t.shape[1], 1]);
  const aStrides = strides(a, transposeA);
  const bStrides = strides(b, transposeB);
  // Block q's contraction starts q·kStride further along k: a's k stride is as1, b's is bs0.
  const shifts = { aShift: kStride * aStrides[1], bShift: kStride * bStrides[0] };
  const [mAll, nAll] = along === 'rows' ? [m * nBlocks, n] : [m, n * nBlocks];
  const uniforms = stridedMatMulUniforms({
    m: mAll, n: nAll, k: count, alpha, aStrides, bStrides,
    cStrides: addend && strides(addend, transposeAddend),
    aOffset: start * aStrides[1],
    bOffset: start * bStrides[0],
    ...(nBlocks > 1 && along === 'rows' ? { rowBlocks: { size: m, ...shifts } } : {}),
    ...(nBlocks > 1 && along === 'cols' ? { colBlocks: { size: n, ...shifts } } : {}),
  });
  const program = new StridedMatMulProgram(mAll, nAll, addend !== undefined, nBlocks > 1 && along === 'cols' ? n : nAll);
  return runProgram(program, addend ? [a, b, addend] : [a, b], uniforms) as tf.Tensor2D;
}
