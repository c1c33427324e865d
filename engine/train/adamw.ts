import * as tf from '@tensorflow/tfjs';

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
   * step 6). The caller owns (and disposes) the returned tensors.
   */
  directions(grads: readonly tf.Tensor[]): tf.Tensor[] {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.hyper;
    if (grads.length !== this.vars.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.vars.length} parameters`);
    this.step += 1;
    const c1 = 1 - Math.pow(b1, this.step);
    const c2 = 1 - Math.pow(b2, this.step);
    return tf.tidy(() =>
      this.vars.map((p, i) => {
        const g = grads[i]!;
        const m = tf.add(tf.mul(this.m[i]!, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i]!, b2), tf.mul(tf.square(g), 1 - b2));
        const adam = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        this.m[i]!.dispose();
        this.v[i]!.dispose();
        this.m[i] = tf.keep(m);
        this.v[i] = tf.keep(v);
        return wd > 0 ? tf.add(adam, tf.mul(p, wd)) : adam;
      }),
    );
  }

  /** θ_i ← θ_i − lr·D_i. Does not dispose `directions`. */
  applyDirections(directions: readonly tf.Tensor[], lr: number): void {
    tf.tidy(() => this.vars.forEach((p, i) => p.assign(tf.sub(p, tf.mul(directions[i]!, lr)))));
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
