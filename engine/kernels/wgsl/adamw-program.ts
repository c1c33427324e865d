import type { ProgramUniform } from '../webgpu-compat';
import { ElementwiseProgram } from './per-item-program';

/** What one AdamW program writes (a tfjs program has one output, so a step is three of them plus the apply). */
export type AdamWOutput = 'moment1' | 'moment2' | 'direction' | 'apply';

/**
 * AdamW's elementwise pieces, one dispatch each, one invocation per element: m' = β1·m + (1−β1)·g;
 * v' = β2·v + (1−β2)·g²; D = (m'/c1) / (√(v'/c2) + ε) + λ·θ; θ' = θ − lr·D. The composed tfjs ops take thirteen
 * dispatches for the first three and two for the last, per parameter tensor; a LoRA adapter has a few hundred small
 * tensors, so on lavapipe the optimizer's dispatch overhead was a visible slice of a step. The gradient enters scaled
 * by a one-element tensor (global-norm clipping's factor, computed on the device: one more pass per tensor saved).
 * Inputs by output: moment1 [m, g, gradScale], moment2 [v, g, gradScale], direction [m', v', θ], apply [θ, D].
 */
const STEP_UNIFORMS = 'size : i32, beta1 : f32, beta2 : f32, c1 : f32, c2 : f32, eps : f32, wd : f32,';
const APPLY_UNIFORMS = 'size : i32, lr : f32,';

/** The scalars of one step's moments and direction (the apply reads only the learning rate). */
export interface AdamWScalars {
  beta1: number;
  beta2: number;
  c1: number; // 1 − β1^t
  c2: number; // 1 − β2^t
  eps: number;
  weightDecay: number;
}

export function adamwStepUniforms(size: number, s: AdamWScalars): ProgramUniform[] {
  return [
    { type: 'int32', data: [size] },
    ...[s.beta1, s.beta2, s.c1, s.c2, s.eps, s.weightDecay].map((v): ProgramUniform => ({ type: 'float32', data: [v] })),
  ];
}

export function adamwApplyUniforms(size: number, lr: number): ProgramUniform[] {
  return [
    { type: 'int32', data: [size] },
    { type: 'float32', data: [lr] },
  ];
}

const EXPRESSIONS: Record<AdamWOutput, { inputs: [string, string, ...string[]]; value: string }> = {
  moment1: { inputs: ['m', 'g', 'gradScale'], value: 'uniforms.beta1 * m[i] + (1.0 - uniforms.beta1) * g[i] * gradScale[0]' },
  moment2: { inputs: ['v', 'g', 'gradScale'], value: 'uniforms.beta2 * v[i] + (1.0 - uniforms.beta2) * (g[i] * gradScale[0]) * (g[i] * gradScale[0])' },
  direction: { inputs: ['m', 'v', 'p'], value: '(m[i] / uniforms.c1) / (sqrt(v[i] / uniforms.c2) + uniforms.eps) + uniforms.wd * p[i]' },
  apply: { inputs: ['p', 'd'], value: 'p[i] - uniforms.lr * d[i]' },
};

export class AdamWProgram extends ElementwiseProgram {
  readonly variableNames: string[];
  readonly shaderKey: string;
  readonly uniforms: string;
  protected readonly valueWgsl: string;

  constructor(output: AdamWOutput, size: number) {
    super(size);
    this.variableNames = EXPRESSIONS[output].inputs;
    this.valueWgsl = EXPRESSIONS[output].value;
    this.shaderKey = `safetuneAdamW_${output}`;
    this.uniforms = output === 'apply' ? APPLY_UNIFORMS : STEP_UNIFORMS;
  }
}
