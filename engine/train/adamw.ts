import * as tf from '@tensorflow/tfjs';
import { adamwApply, adamwMomentsAndDirection, type AdamWScalars } from '../kernels/adamw-ops';

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
 * The moments live beside the parameters on the backend; the step runs without read-back.
 */
export class AdamW {
  private readonly vars: tf.Variable[];
  private readonly hyper: AdamWHyper;
  private m: tf.Tensor[];
  private v: tf.Tensor[];
  /** Optimizer steps taken (bias correction uses it). */
  step = 0;

  constructor(vars: tf.Variable[], hyper: AdamWHyper) {
    this.vars = vars;
    this.hyper = hyper;
    this.m = vars.map((x) => tf.keep(tf.zerosLike(x)));
    this.v = vars.map((x) => tf.keep(tf.zerosLike(x)));
  }

  /** One update with `grads[i]` for `vars[i]` at learning rate `lr`. Does not dispose `grads`. */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    const directions = this.directions(grads);
    this.applyDirections(directions, lr);
    for (const d of directions) d.dispose();
  }

  /**
   * Advances the moments with `grads` and returns the step's directions D_i = m̂/(√v̂+ε) + λ·θ_i, so that the step is
   * θ ← θ − lr·D (exactly torch's AdamW: θ(1 − lr·λ) − lr·m̂/(√v̂+ε)). SPF projects D before it is applied (SPF.md
   * step 6). The gradients enter multiplied by `gradScale` (a one-element tensor: clipping's factor) when given. The
   * caller owns (and disposes) the returned tensors. On WebGPU fused kernels (kernels/adamw-ops.ts).
   */
  directions(grads: readonly tf.Tensor[], gradScale?: tf.Tensor): tf.Tensor[] {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.hyper;
    if (grads.length !== this.vars.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.vars.length} parameters`);
    this.step += 1;
    const c1 = 1 - Math.pow(b1, this.step);
    const c2 = 1 - Math.pow(b2, this.step);
    const scalars: AdamWScalars = { beta1: b1, beta2: b2, c1, c2, eps, weightDecay: wd };
    return this.vars.map((p, i) => {
      const next = adamwMomentsAndDirection(p, grads[i]!, this.m[i]!, this.v[i]!, scalars, gradScale);
      this.m[i]!.dispose();
      this.v[i]!.dispose();
      this.m[i] = tf.keep(next.m);
      this.v[i] = tf.keep(next.v);
      return next.direction;
    });
  }

  /** θ_i ← θ_i − lr·D_i. Does not dispose `directions`. */
  applyDirections(directions: readonly tf.Tensor[], lr: number): void {
    tf.tidy(() => this.vars.forEach((p, i) => p.assign(adamwApply(p, directions[i]!, lr))));
  }

  /** Sync point: reads every moment back. */
  async save(): Promise<AdamWState> {
    const m = await Promise.all(this.m.map(async (t) => (await t.data()) as Float32Array));
    const v = await Promise.all(this.v.map(async (t) => (await t.data()) as Float32Array));
    return { step: this.step, m, v };
  }

  load(state: AdamWState): void {
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length) {
      throw new Error(`optimizer state has ${state.m.length} moments for ${this.vars.length} parameters`);
    }
    this.step = state.step;
    this.vars.forEach((p, i) => {
      this.m[i]!.dispose();
      this.v[i]!.dispose();
      this.m[i] = tf.keep(tf.tensor(state.m[i]!, p.shape, 'float32'));
      this.v[i] = tf.keep(tf.tensor(state.v[i]!, p.shape, 'float32'));
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
