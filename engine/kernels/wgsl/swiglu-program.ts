import type { ProgramUniform } from '../webgpu-compat';
import { ElementwiseProgram } from './per-item-program';

/** What one SwiGLU program writes: the activation, or the gradient to one of its two inputs. */
export type SwigluOutput = 'value' | 'gradGate' | 'gradUp';

/**
 * The MLP's gated activation silu(g) · u = g · σ(g) · u, one invocation per element, and its two gradients
 * dg = dy · u · σ(g) · (1 + g · (1 − σ(g))), du = dy · silu(g). The composed tfjs ops are three dispatches forward
 * (sigmoid, two multiplies) and about eight backward, each a pass over the [tokens, intermediate] activations, the
 * widest of the step. Inputs: value [g, u], gradGate [g, u, dy], gradUp [g, dy].
 */
const EXPRESSIONS: Record<SwigluOutput, { inputs: string[]; value: string }> = {
  value: { inputs: ['g', 'u'], value: 'g[i] * s * u[i]' },
  gradGate: { inputs: ['g', 'u', 'dy'], value: 'dy[i] * u[i] * s * (1.0 + g[i] * (1.0 - s))' },
  gradUp: { inputs: ['g', 'dy'], value: 'dy[i] * g[i] * s' },
};

export function swigluUniforms(size: number): ProgramUniform[] {
  return [{ type: 'int32', data: [size] }];
}

export class SwigluProgram extends ElementwiseProgram {
  readonly variableNames: string[];
  readonly shaderKey: string;
  readonly uniforms = 'size : i32,';
  protected override readonly preludeWgsl = 'let s = 1.0 / (1.0 + exp(-g[i]));';
  protected readonly valueWgsl: string;

  constructor(output: SwigluOutput, size: number) {
    super(size);
    this.variableNames = EXPRESSIONS[output].inputs;
    this.valueWgsl = EXPRESSIONS[output].value;
    this.shaderKey = `safetuneSwiglu_${output}`;
  }
}
