import { SafeTuneError } from '../errors';
import { MAX_K, type SubspaceSide } from './spf-types';

/**
 * How a stack of blocks [nb, rows, cols] is walked by the kernels. The subspace side is the "long" axis of length L
 * (the one U spans); the other axis indexes S "lines". Element (l, s) of block b sits at
 * b·rows·cols + l·strideL + s·strideS, so one shader serves both sides with the strides as uniforms:
 *   side 'rows': L = rows, S = cols, a line is a column of G (strideL = cols, strideS = 1);
 *   side 'cols': L = cols, S = rows, a line is a row of G    (strideL = 1, strideS = cols).
 */
export interface BlockGeometry {
  nb: number;
  rows: number;
  cols: number;
  side: SubspaceSide;
  k: number;
  L: number; // length of the subspace side (rows of U)
  S: number; // number of lines (the other side)
  strideL: number;
  strideS: number;
  blockSize: number; // rows·cols
}

export function blockGeometry(shape: readonly number[], side: SubspaceSide, k: number, tensorName: string): BlockGeometry {
  if (shape.length !== 3) {
    throw new SafeTuneError('bad-shape', `${tensorName} has shape [${shape.join(', ')}], expected [nb, rows, cols]`, 'stack the gradient blocks of one shape along a new first axis');
  }
  const [nb, rows, cols] = shape as [number, number, number];
  if (nb < 1 || rows < 1 || cols < 1) {
    throw new SafeTuneError('bad-shape', `${tensorName} has shape [${shape.join(', ')}]: every dimension must be at least 1`, 'skip empty groups of blocks before calling the SPF kernels');
  }
  if (side !== 'rows' && side !== 'cols') {
    throw new SafeTuneError('bad-argument', `side must be 'rows' or 'cols', got '${String(side)}'`, "use the block's longer side: 'rows' if rows ≥ cols, else 'cols'");
  }
  checkK(k, Math.min(rows, cols), tensorName);
  const L = side === 'rows' ? rows : cols;
  const S = side === 'rows' ? cols : rows;
  return side === 'rows'
    ? { nb, rows, cols, side, k, L, S, strideL: cols, strideS: 1, blockSize: rows * cols }
    : { nb, rows, cols, side, k, L, S, strideL: 1, strideS: cols, blockSize: rows * cols };
}

function checkK(k: number, shorter: number, tensorName: string): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new SafeTuneError('bad-argument', `k must be an integer in 1..${MAX_K}, got ${k}`, 'SPF uses k = 4 by default; cap it at the LoRA rank');
  }
  if (k > shorter) {
    throw new SafeTuneError('bad-argument', `k = ${k} exceeds the shorter side (${shorter}) of ${tensorName}`, `a block of rank ≤ ${shorter} has at most ${shorter} singular directions: use k ≤ ${shorter}`);
  }
}

/** The longer side of a block, SPF's choice of subspace side (rows when out ≥ in). */
export function longerSide(rows: number, cols: number): SubspaceSide {
  return rows >= cols ? 'rows' : 'cols';
}

/** Throws unless `shape` equals `expected`, naming the tensor. */
export function expectShape(shape: readonly number[], expected: readonly number[], tensorName: string, hint: string): void {
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new SafeTuneError('bad-shape', `${tensorName} has shape [${shape.join(', ')}], expected [${expected.join(', ')}]`, hint);
  }
}
