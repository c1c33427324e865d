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

/**
 * `kBound` 'rank': k ≤ the shorter side (a subspace of the block's own singular vectors: the power iteration);
 * 'side': k ≤ L (a basis on the long side that may come from several stacked blocks: the gates and the projection).
 */
export function blockGeometry(shape: readonly number[], side: SubspaceSide, k: number, tensorName: string, kBound: 'rank' | 'side' = 'rank'): BlockGeometry {
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
  const L = side === 'rows' ? rows : cols;
  checkK(k, kBound === 'rank' ? Math.min(rows, cols) : L, tensorName, kBound);
  const S = side === 'rows' ? cols : rows;
  return side === 'rows'
    ? { nb, rows, cols, side, k, L, S, strideL: cols, strideS: 1, blockSize: rows * cols }
    : { nb, rows, cols, side, k, L, S, strideL: 1, strideS: cols, blockSize: rows * cols };
}

function checkK(k: number, bound: number, tensorName: string, kBound: 'rank' | 'side'): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new SafeTuneError('bad-argument', `k must be an integer in 1..${MAX_K}, got ${k}`, 'SPF uses k = 4 by default; cap it at the LoRA rank');
  }
  if (k > bound) {
    throw kBound === 'rank'
      ? new SafeTuneError('bad-argument', `k = ${k} exceeds the shorter side (${bound}) of ${tensorName}`, `a block of rank ≤ ${bound} has at most ${bound} singular directions: use k ≤ ${bound}`)
      : new SafeTuneError('bad-argument', `k = ${k} exceeds the subspace side (${bound}) of ${tensorName}`, `a basis of ${bound}-long vectors has at most ${bound} directions: use k ≤ ${bound}`);
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
