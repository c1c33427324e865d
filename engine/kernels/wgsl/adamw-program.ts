import type { ProgramUniform } from '../webgpu-compat';
import { ElementwiseProgram } from './per-item-program';

/** What one AdamW program writes (a tfjs program has one output). */
export type AdamWOutput = 'moments' | 'direction' | 'adamDirection' | 'stepAt' | 'applyAt';

/**
 * AdamW's elementwise pieces, one dispatch each, one invocation per element. The two moments of n elements (the
 * optimizer's flat chunk, engine/train/flat-layout.ts) live packed in one tensor mv of 2n (m first, then v), so one
 * dispatch advances both:
 *   moments   [mv, g, gradScale] → mv': m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g² (g times gradScale[0])
 *   direction [mv', θ] → D = (m'/c1) / (√(v'/c2) + ε) + λ·θ
 *   adamDirection [mv'] → the same without weight decay (λ = 0), so θ need not be gathered
 *   stepAt    [mv', θ] → θ − lr·D for one parameter θ whose moments sit at `offset` of the chunk's packed pair of
 *             `total` elements each (m at offset + i, v at total + offset + i): the step when nothing needs D alone
 *   applyAt   [θ, D] → θ − lr·D[offset + i], D a longer vector (a flat chunk, or a stack of blocks) holding θ's
 * Why: a LoRA adapter has a few hundred small tensors, and on lavapipe a dispatch costs ~0.25 ms of CPU whatever its
 * size; the composed tfjs ops took fifteen per tensor. The moments (and SPF's D) take one dispatch per chunk, the
 * step one per parameter. The gradient enters scaled by a one-element tensor (global-norm clipping's factor, computed
 * on the device).
 */
const STEP_UNIFORMS = 'size : i32, beta1 : f32, beta2 : f32, c1 : f32, c2 : f32, eps : f32, wd : f32, lr : f32,';
const STEP_AT_UNIFORMS = `${STEP_UNIFORMS} offset : i32, total : i32,`;
const APPLY_AT_UNIFORMS = 'size : i32, lr : f32, offset : i32,';

/** The scalars of one step (the apply reads only the learning rate). */
export interface AdamWScalars {
  beta1: number;
  beta2: number;
  c1: number; // 1 − β1^t
  c2: number; // 1 − β2^t
  eps: number;
  weightDecay: number;
}

/** `size` is the number of elements the program writes: 2n for the moments, n otherwise. */
export function adamwStepUniforms(size: number, s: AdamWScalars, lr = 0): ProgramUniform[] {
  return [
    { type: 'int32', data: [size] },
    ...[s.beta1, s.beta2, s.c1, s.c2, s.eps, s.weightDecay, lr].map((v): ProgramUniform => ({ type: 'float32', data: [v] })),
  ];
}

/** stepAt: θ's `size`, the scalars, then where θ's moments sit in the packed pair of `total` elements each. */
export function adamwStepAtUniforms(size: number, s: AdamWScalars, lr: number, offset: number, total: number): ProgramUniform[] {
  return [...adamwStepUniforms(size, s, lr), { type: 'int32', data: [offset] }, { type: 'int32', data: [total] }];
}

export function adamwApplyAtUniforms(size: number, lr: number, offset: number): ProgramUniform[] {
  return [
    { type: 'int32', data: [size] },
    { type: 'float32', data: [lr] },
    { type: 'int32', data: [offset] },
  ];
}

/** Adam's step at element i of θ, its moments at j (m) and j + n (v) of the packed pair; then D adds λ·θ. */
const adam = (j: string, n: string): string => `(mv[${j}] / uniforms.c1) / (sqrt(mv[${j} + ${n}] / uniforms.c2) + uniforms.eps)`;
const direction = (j: string, n: string): string => `${adam(j, n)} + uniforms.wd * p[i]`;

const PROGRAMS: Record<AdamWOutput, { inputs: [string, ...string[]]; prelude?: string; value: string }> = {
  moments: {
    inputs: ['mv', 'g', 'gradScale'],
    prelude: 'let gs = g[i % (uniforms.size / 2)] * gradScale[0];',
    value: 'select(uniforms.beta2 * mv[i] + (1.0 - uniforms.beta2) * gs * gs, uniforms.beta1 * mv[i] + (1.0 - uniforms.beta1) * gs, i < uniforms.size / 2)',
  },
  direction: { inputs: ['mv', 'p'], value: direction('i', 'uniforms.size') },
  adamDirection: { inputs: ['mv'], value: adam('i', 'uniforms.size') },
  stepAt: { inputs: ['mv', 'p'], prelude: 'let j = uniforms.offset + i;', value: `p[i] - uniforms.lr * (${direction('j', 'uniforms.total')})` },
  applyAt: { inputs: ['p', 'd'], value: 'p[i] - uniforms.lr * d[uniforms.offset + i]' },
};

const UNIFORMS: Record<AdamWOutput, string> = {
  moments: STEP_UNIFORMS,
  direction: STEP_UNIFORMS,
  adamDirection: STEP_UNIFORMS,
  stepAt: STEP_AT_UNIFORMS,
  applyAt: APPLY_AT_UNIFORMS,
};

export class AdamWProgram extends ElementwiseProgram {
  readonly variableNames: string[];
  readonly shaderKey: string;
  readonly uniforms: string;
  protected readonly valueWgsl: string;
  protected override readonly preludeWgsl: string;

  constructor(output: AdamWOutput, size: number) {
    super(size);
    this.variableNames = PROGRAMS[output].inputs;
    this.valueWgsl = PROGRAMS[output].value;
    this.preludeWgsl = PROGRAMS[output].prelude ?? '';
    this.shaderKey = `safetuneAdamW_${output}`;
    this.uniforms = UNIFORMS[output];
  }
}
