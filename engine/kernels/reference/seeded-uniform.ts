/**
 * The counter-based random numbers of the subspace iteration's random start (and of collapse replacements). Counter-
 * based (a hash of seed, block, round, column, row) rather than a sequential PRNG so each GPU invocation draws its own
 * entries independently and the WGSL twin (wgsl/snippets.ts, SEEDED_UNIFORM_WGSL) produces bit-identical values:
 * same start on every backend, so the kernels and this reference can be compared iteration for iteration.
 */

/** PCG-RXS-M-XS 32-bit hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020), u32 in, u32 out. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Uniform in [-1, 1) with 2^-23 spacing: exact in f32, so the GPU's value is the same number. */
export function seededUniform(seed: number, block: number, round: number, col: number, row: number): number {
  let h = pcgHash(seed >>> 0);
  h = pcgHash((h ^ block) >>> 0);
  h = pcgHash((h ^ round) >>> 0);
  h = pcgHash((h ^ col) >>> 0);
  h = pcgHash((h ^ row) >>> 0);
  return (h >>> 8) * 2 ** -23 - 1;
}
