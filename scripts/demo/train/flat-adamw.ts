import * as tf from '@tensorflow/tfjs';

export interface FlatAdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number; // decoupled, applied to the variables marked `decay`
  maxGradNorm: number; // global-norm clipping before the update; 0 disables it
}

/**
 * Global-norm clipping + AdamW over all of a model's variables as ONE flat vector: the same math as
 * engine/train/adamw.ts (torch.optim.AdamW) after engine/train's clipping — a test holds it to them — in ~50 GPU
 * dispatches per step instead of ~15 per variable.
 *
 * Why: on a software GPU each dispatch has a fixed cost, and a full-parameter step of a tiny model is dominated by
 * them (the per-variable optimizer and norm alone are several hundred). Here the gradients are concatenated once,
 * the norm, moments and update run on the flat vector, and the new values are sliced back into the variables.
 */
export class FlatAdamW {
  private readonly vars: tf.Variable[];
  private readonly hyper: FlatAdamWHyper;
  private readonly sizes: number[];
  private readonly decayMask: tf.Tensor1D; // 1 where weight decay applies, 0 elsewhere
  private m: tf.Tensor1D;
  private v: tf.Tensor1D;
  step = 0;

  /**
   * `decay[i]`: whether weight decay applies to variable i, or per element (1 / 0, the variable's size) — an element
   * with no decay whose gradient is always 0 never moves: m, v and the update stay 0.
   */
  constructor(vars: tf.Variable[], decay: readonly (boolean | Float32Array)[], hyper: FlatAdamWHyper) {
    this.vars = vars;
    this.hyper = hyper;
    this.sizes = vars.map((x) => x.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const mask = new Float32Array(total);
    let at = 0;
    vars.forEach((x, i) => {
      const d = decay[i];
      if (d instanceof Float32Array) {
        if (d.length !== x.size) throw new Error(`FlatAdamW: the decay mask of variable ${i} has ${d.length} elements, the variable ${x.size}`);
        mask.set(d, at);
      } else if (d === true) mask.fill(1, at, at + x.size);
      at += x.size;
    });
    this.decayMask = tf.keep(tf.tensor1d(mask));
    this.m = tf.keep(tf.zeros([total]));
    this.v = tf.keep(tf.zeros([total]));
  }

  /**
   * Clips `grads` (aligned with the variables) to the global norm, then one AdamW update at `lr`. Returns the norm
   * before clipping (a scalar the caller reads back or disposes). Does not dispose `grads`.
   */
  apply(grads: readonly tf.Tensor[], lr: number): tf.Scalar {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd, maxGradNorm } = this.hyper;
    this.step += 1;
    const c1 = 1 - Math.pow(b1, this.step);
    const c2 = 1 - Math.pow(b2, this.step);
    return tf.tidy(() => {
      let g = tf.concat(grads.map((x) => x.reshape([-1]))) as tf.Tensor1D; // [P]
      const norm = tf.sqrt(tf.sum(tf.square(g))) as tf.Scalar;
      if (maxGradNorm > 0) g = tf.mul(g, tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6))));
      const m = tf.add(tf.mul(this.m, b1), tf.mul(g, 1 - b1)) as tf.Tensor1D;
      const v = tf.add(tf.mul(this.v, b2), tf.mul(tf.square(g), 1 - b2)) as tf.Tensor1D;
      const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
      const p = tf.concat(this.vars.map((x) => x.reshape([-1])));
      const decayed = wd > 0 ? tf.mul(p, tf.sub(1, tf.mul(this.decayMask, lr * wd))) : p;
      const next = tf.split(tf.sub(decayed, tf.mul(update, lr)), this.sizes);
      this.vars.forEach((x, i) => x.assign(next[i]!.reshape(x.shape)));
      this.m.dispose();
      this.v.dispose();
      this.m = tf.keep(m);
      this.v = tf.keep(v);
      return norm;
    });
  }

  dispose(): void {
    tf.dispose([this.m, this.v, this.decayMask]);
  }
}
