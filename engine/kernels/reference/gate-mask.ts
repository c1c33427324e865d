import { SafeTuneError } from '../../errors';
import type { GateMode } from '../spf-types';
import type { HostArray } from './host-blocks';

/** How many gate values each mode reads: a global scalar, one per block, one per direction, none. */
export function gateLength(mode: GateMode, nb: number, k: number): number {
  switch (mode) {
    case 'global':
      return 1;
    case 'block':
      return nb;
    case 'direction':
      return nb * k;
    case 'always':
      return 0;
    default:
      throw new SafeTuneError('bad-argument', `unknown gate mode '${String(mode)}'`, "use 'global', 'block', 'direction' or 'always'");
  }
}

/**
 * Whether direction i of block b is removed: the inner product that the mode looks at is negative (the task step
 * would raise the safety loss). A NaN gate value does not fire: a broken gradient is left for the trainer's checks.
 */
export function gateFires(mode: GateMode, gate: HostArray | undefined, b: number, i: number, k: number): boolean {
  switch (mode) {
    case 'always':
      return true;
    case 'global':
      return gate![0]! < 0;
    case 'block':
      return gate![b]! < 0;
    case 'direction':
      return gate![b * k + i]! < 0;
  }
}
