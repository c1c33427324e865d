import * as tf from '@tensorflow/tfjs';
import { adamwApply, adamwDirection, adamwMoments, adamwStep, type AdamWScalars } from '../kernels/adamw-ops';

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Host copy of the optimizer's moments (checkpoints). */
export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * AdamW (Loshchilov & Hutter) as torch.optim.AdamW: p ← p·(1 − lr·wd), then the bias-corrected Adam update.
 * The moments live beside the parameters on the backend, m and v of each parameter packed in one tensor
 * [2, ...shape] (kernels/adamw-ops.ts); the step runs without read-back.
 */
export class AdamW {
  private readonly vars: tf.Variable[];
  private readonly hyper: AdamWHyper;
  private mv: tf.Tensor[];
  /** Optimizer steps taken (bias correction uses it). */
  step = 0;

  constructor(vars: tf.Variable[], hyper: AdamWHyper) {
    this.vars = vars;
    this.hyper = hyper;
    this.mv = vars.map((x) => tf.keep(tf.zeros([2, ...x.shape])));
  }

  /**
   * One update with `grads[i]` for `vars[i]` at learning rate `lr`, the gradients multiplied by `gradScale` (a
   * one-element tensor: clipping's factor) when given. Does not dispose `grads`. The same step as directions() then
   * applyDirections(), with the direction never materialised.
   */
  apply(grads: readonly tf.Tensor[], lr: number, gradScale?: tf.Tensor): void {
    const scalars = this.advance(grads, gradScale);
    tf.tidy(() => this.vars.forEach((p, i) => p.assign(adamwStep(p, this.mv[i]!, scalars, lr))));
  }

  /**
   * Advances the moments with `grads` and returns the step's directions D_i = m̂/(√v̂+ε) + λ·θ_i, so that the step is
   * θ ← θ − lr·D (exactly torch's AdamW: θ(1 − lr·λ) − lr·m̂/(√v̂+ε)). SPF projects D before it is applied (SPF.md
   * step 6). The gradients enter multiplied by `gradScale` (a one-element tensor: clipping's factor) when given. The
   * caller owns (and disposes) the returned tensors. On WebGPU fused kernels (kernels/adamw-ops.ts).
   */
  directions(grads: readonly tf.Tensor[], gradScale?: tf.Tensor): tf.Tensor[] {
    const scalars = this.advance(grads, gradScale);
    return this.vars.map((p, i) => adamwDirection(p, this.mv[i]!, scalars));
  }

  /** θ_i ← θ_i − lr·D_i. Does not dispose `directions`. */
  applyDirections(directions: readonly tf.Tensor[], lr: number): void {
    tf.tidy(() => this.vars.forEach((p, i) => p.assign(adamwApply(p, directions[i]!, lr))));
  }

  /** Counts the step and advances every parameter's moments; returns the step's scalars. */
  private advance(grads: readonly tf.Tensor[], gradScale: tf.Tensor | undefined): AdamWScalars {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.hyper;
    if (grads.length !== this.vars.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.vars.length} parameters`);
    this.step += 1;
    const scalars: AdamWScalars = { beta1: b1, beta2: b2, c1: 1 - Math.pow(b1, this.step), c2: 1 - Math.pow(b2, this.step), eps, weightDecay: wd };
    this.mv = this.mv.map((mv, i) => {
      const next = tf.keep(adamwMoments(mv, grads[i]!, scalars, gradScale));
      mv.dispose();
      return next;
    });
    return scalars;
  }

  /** Sync point: reads every moment back. */
  async save(): Promise<AdamWState> {
    const packed = await Promise.all(this.mv.map(async (t) => (await t.data()) as Float32Array));
    return { step: this.step, m: packed.map((d) => d.slice(0, d.length / 2)), v: packed.map((d) => d.slice(d.length / 2)) };
  }

  load(state: AdamWState): void {
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length) {
      throw new Error(`optimizer state has ${state.m.length} moments for ${this.vars.length} parameters`);
    }
    this.step = state.step;
    this.vars.forEach((p, i) => {
      if (state.m[i]!.length !== p.size || state.v[i]!.length !== p.size) {
        throw new Error(`optimizer state for parameter ${i} has ${state.m[i]!.length} / ${state.v[i]!.length} moment entries, the parameter ${p.size}`);
      }
      const packed = new Float32Array(2 * p.size);
      packed.set(state.m[i]!, 0);
      packed.set(state.v[i]!, p.size);
      this.mv[i]!.dispose();
      this.mv[i] = tf.keep(tf.tensor(packed, [2, ...p.shape], 'float32'));
    });
  }

  dispose(): void {
    for (const t of this.mv) t.dispose();
  }
}
