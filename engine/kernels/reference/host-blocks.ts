import type { BlockGeometry } from '../block-geometry';

/** Host data the references work on: float32 as it comes off a tensor, or float64 from the tests' exact builders. */
export type HostArray = Float32Array | Float64Array;

/** A stack of blocks [nb, rows, cols], row-major, as host data. */
export interface HostBlocks {
  data: HostArray;
  shape: readonly [number, number, number];
}

/** Flat index of element (l, s) of block b: the one formula both sides share (see BlockGeometry). */
export function elementIndex(g: BlockGeometry, b: number, l: number, s: number): number {
  return b * g.blockSize + l * g.strideL + s * g.strideS;
}

/** Flat index of U[b, l, i] in a basis [nb, L, k]. */
export function basisIndex(g: BlockGeometry, b: number, l: number, i: number): number {
  return (b * g.L + l) * g.k + i;
}
