/**
 * Shared vocabulary of SPF's kernels (see shared/design/SPF.md). A "block" is one LoRA gradient matrix; blocks of one
 * shape are stacked as [nb, rows, cols]. Every kernel and its reference use these names and constants, so a fast path
 * and its spec cannot drift apart silently.
 */

/**
 * Where the safety subspace lives: 'rows' = left singular vectors U ∈ R^{rows×k}, projection G ← G − U(UᵀG);
 * 'cols' = right singular vectors V ∈ R^{cols×k}, projection G ← G − (G V)Vᵀ. SPF uses the block's longer side.
 */
export type SubspaceSide = 'rows' | 'cols';

/**
 * SPF's gate (SPF.md step 4), the one name for it in the engine, the CLI and the app: which part of a vector X (the
 * task gradient, or AdamW's update) is removed. 'global': every block iff Σ over ALL blocks ⟨X, G_s⟩ < 0 (a scalar
 * the caller sums); 'block': block b iff ⟨X^b, G_s^b⟩ < 0; 'direction': direction i of block b iff
 * ⟨u_iᵀX, u_iᵀG_s⟩ < 0; 'always': every block, every step.
 */
export type SpfGate = 'global' | 'block' | 'direction' | 'always';

export const SPF_GATES: readonly SpfGate[] = ['global', 'block', 'direction', 'always'];

/** Largest subspace the kernels support: k accumulators live in registers and k×k matrices in workgroup memory. */
export const MAX_K = 16;

/** Directions `gradients` stacked safety gradients give at k per gradient, before a block's own caps (L, rank). */
export function cappedDirections(kPerGradient: number, gradients: number): number {
  return Math.min(kPerGradient * gradients, MAX_K);
}

/**
 * A direction i with σ_i ≤ RANK_RTOL · ‖G‖_F is treated as absent (U column = 0, σ_i = 0). Relative, so the test is
 * scale-free: a block scaled by 1e-6 keeps exactly the same directions. Such a direction carries ≤ 1e-6 of the block's
 * energy, and f32 Rayleigh-Ritz cannot resolve σ_i much below √ε·σ_1 ≈ 3e-4·σ_1 anyway, so below this the "direction"
 * would be rounding noise that a projection should not remove.
 */
export const RANK_RTOL = 1e-3;

/**
 * When a block has no subspace at all (U = 0, σ = 0): ‖G_b‖_F ≤ ZERO_BLOCK_RTOL · max_b' ‖G_b'‖_F over the blocks of
 * the same call (its peers of the same shape), or ‖G_b‖²_F ≤ MIN_NORM_SQ. The relative test catches the exact or
 * numerical zeros of lora_A gradients at init (B starts at zero) without a scale to tune: a block a million times
 * smaller than its peers changes the safety loss by a negligible ⟨G_s^b, Δθ_b⟩, so it needs no projection, and its
 * "directions" could be rounding noise. MIN_NORM_SQ is the underflow guard: the kernels divide by ‖G_b‖_F to keep
 * M Mᵀ Q at unit scale, and squares below ~1e-38 are f32 denormals that GPUs flush to zero. Any block above both is
 * handled scale-free (RANK_RTOL).
 */
export const ZERO_BLOCK_RTOL = 1e-6;
export const MIN_NORM_SQ = 1e-30;

/**
 * Inside the subspace iteration the iterate Y = M Mᵀ Q / ‖G‖²_F has column norms ≈ (σ_j / ‖G‖_F)². A column whose norm
 * after orthogonalisation against the previous ones is ≤ COLLAPSE_TOL (= RANK_RTOL²) has no usable direction left;
 * it is replaced by a seeded random vector (orthogonalised in turn) so a rank-deficient start — a zero column of a warm
 * start, a block whose rank grew — can still discover new directions.
 */
export const COLLAPSE_TOL = RANK_RTOL * RANK_RTOL;

/** Seed of the random start when none is given (any fixed value: the point is that runs repeat exactly). */
export const DEFAULT_SEED = 0x5eed;

export interface PowerIterationOptions {
  k: number; // subspace size, 1 ≤ k ≤ min(rows, cols, MAX_K); SPF default 4
  side: SubspaceSide;
  iters: number; // subspace iterations (SPF's defaults, warm and cold, are in engine/safety/spf-options.ts)
  seed?: number; // u32 seed of the random start and of collapse replacements; default DEFAULT_SEED
}

export interface GateDotsOptions {
  k: number;
  side: SubspaceSide;
}

export interface ProjectOptions {
  k: number;
  side: SubspaceSide;
  mode: SpfGate;
}

/**
 * Cyclic Jacobi (Rayleigh-Ritz, f32 on the GPU) stops once Σ_{p<q} h_pq² ≤ k²·JACOBI_STOP_SQ · Σ_p h_pp². f32 rotations
 * leave each off-diagonal at ~ε_f32·|λ_max| (k²/2 of them against diag ≥ λ_max²), so the test used before (1e-14,
 * below ε_f32² ≈ 1.4e-14 for any k) was under f32 resolution and ran all 32 sweeps; this one is at it (reached as
 * soon as quadratic convergence hits rounding), and what it leaves tilts the eigenvectors by ~k·ε_f32 / (relative gap).
 */
export const JACOBI_STOP_SQ = 2 ** -46;
