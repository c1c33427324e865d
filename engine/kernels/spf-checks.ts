import { SafeTuneError } from '../errors';
import type { SpfGate } from './spf-types';

/**
 * Argument checks shared by the fast kernels and their references: both validate the same way, and the reference
 * folder stays pure spec (nothing outside it imports from it but tests and benches).
 */

/** How many gate values each gate reads: a global scalar, one per block, one per direction, none. */
export function gateLength(gate: SpfGate, nb: number, k: number): number {
  switch (gate) {
    case 'global':
      return 1;
    case 'block':
      return nb;
    case 'direction':
      return nb * k;
    case 'always':
      return 0;
    default:
      throw new SafeTuneError('bad-argument', `unknown SPF gate '${String(gate)}'`, "use 'global', 'block', 'direction' or 'always'");
  }
}

/** Each gate needs its own gate tensor: see gateLength. */
export function checkGateLength(gate: SpfGate, actual: number | undefined, nb: number, k: number): void {
  const need = gateLength(gate, nb, k);
  if (need === 0) return;
  const expected = gate === 'global' ? 'a scalar (the sum of dots over all blocks)' : gate === 'block' ? `[${nb}] (dots)` : `[${nb}, ${k}] (dirDots)`;
  if (actual === undefined) {
    throw new SafeTuneError('bad-argument', `gate '${gate}' needs a gate tensor: ${expected}`, 'pass the matching output of gateDots (summed over all groups for global)');
  }
  if (actual !== need) {
    throw new SafeTuneError('bad-shape', `the gate for '${gate}' has ${actual} values, expected ${expected}`, 'pass the matching output of gateDots (summed over all groups for global)');
  }
}

/** Subspace iterations: 0 (Rayleigh-Ritz on the start alone) up to 100. */
export function checkIters(iters: number): void {
  if (!Number.isInteger(iters) || iters < 0 || iters > 100) {
    throw new SafeTuneError('bad-argument', `iters must be an integer in 0..100, got ${iters}`, 'SPF defaults to 3 warm / 8 cold iterations (engine/safety/spf-options.ts)');
  }
}
