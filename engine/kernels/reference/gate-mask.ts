import type { SpfGate } from '../spf-types';
import type { HostArray } from './host-blocks';

/**
 * Whether direction i of block b is removed: the inner product that the mode looks at is negative (the task step
 * would raise the safety loss). A NaN gate value does not fire: a broken gradient is left for the trainer's checks.
 */
export function gateFires(mode: SpfGate, gate: HostArray | undefined, b: number, i: number, k: number): boolean {
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
