import * as tf from '@tensorflow/tfjs';
import { adamwApplyAt, adamwDirection, adamwMoments, adamwStepAt, type AdamWScalars } from '../kernels/adamw-ops';
import { deviceBindingLimit } from '../device/binding-limit';
import { chunkViews, flatLayout, flatten, viewTensor, type FlatLayout, type TensorViews } from './flat-layout';

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
 * The moments live on the backend as flat chunks (flat-layout.ts): each chunk's m and v packed in one tensor
 * [2, elements] (kernels/adamw-ops.ts), so the moments advance in one dispatch per chunk rather than one per
 * parameter; the step runs without read-back.
 */
export class AdamW {
  private readonly vars: tf.Variable[];
  private readonly hyper: AdamWHyper;
  readonly layout: FlatLayout;
  private mv: tf.Tensor[];
  /** Optimizer steps taken (bias correction uses it). */
  step = 0;

  /** `maxBindingBytes`: the most one chunk's packed moments may take (the device's binding limit). */
  constructor(vars: tf.Variable[], hyper: AdamWHyper, maxBindingBytes = deviceBindingLimit()) {
    this.vars = vars;
    this.hyper = hyper;
    this.layout = flatLayout(vars.map((v) => v.shape), maxBindingBytes);
    this.mv = this.layout.chunkSizes.map((n) => tf.keep(tf.zeros([2, n])));
  }

  /** The gradients (one per parameter) as the optimizer's flat chunks; the caller owns the result. */
  flatten(grads: readonly tf.Tensor[]): tf.Tensor1D[] {
    if (grads.length !== this.vars.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.vars.length} parameters`);
    return flatten(this.layout, grads);
  }

  /** Per-parameter gradients given as views (a hook's replacement), gathered into the optimizer's flat chunks. */
  flattenViews(grads: TensorViews): tf.Tensor1D[] {
    return tf.tidy(() => flatten(this.layout, this.vars.map((v, i) => viewTensor(grads, i, v.shape))));
  }

  /**
   * One update with the step's gradients flattened into the optimizer's chunks (flatten()) at learning rate `lr`, the
   * gradients multiplied by `gradScale` (a one-element tensor: clipping's factor) when given. Does not dispose
   * `chunks`. The same step as directions() then applyDirections(), with the direction never materialised: one
   * dispatch per parameter, its moments read at its offset in the chunk.
   */
  apply(chunks: readonly tf.Tensor[], lr: number, gradScale?: tf.Tensor): void {
    const scalars = this.advance(chunks, gradScale);
    tf.tidy(() =>
      this.vars.forEach((p, i) => {
        const slot = this.layout.slots[i]!;
        p.assign(adamwStepAt(p, this.mv[slot.chunk]!, slot.offset, scalars, lr));
      }),
    );
  }

  /**
   * Advances the moments with the flattened gradients (flatten()) and returns the step's directions D_i =
   * m̂/(√v̂+ε) + λ·θ_i as views into flat chunks, so that the step is θ ← θ − lr·D (exactly torch's AdamW: θ(1 − lr·λ)
   * − lr·m̂/(√v̂+ε)). SPF projects D before it is applied (SPF.md step 6). The gradients enter multiplied by
   * `gradScale` (a one-element tensor: clipping's factor) when given. The caller owns (and disposes) the returned
   * tensors. On WebGPU fused kernels (kernels/adamw-ops.ts), one per chunk.
   */
  directions(chunks: readonly tf.Tensor[], gradScale?: tf.Tensor): TensorViews {
    const scalars = this.advance(chunks, gradScale);
    const directions = tf.tidy(() => {
      // θ in chunks only for the weight decay's λ·θ (a concat per chunk; most fine-tunes run without decay).
      const params = scalars.weightDecay > 0 ? flatten(this.layout, this.vars) : undefined;
      return this.mv.map((mv, c) => adamwDirection(params?.[c], mv, scalars));
    });
    return chunkViews(this.layout, directions);
  }

  /** θ_i ← θ_i − lr·D_i, D_i read where its view says. Does not dispose `directions`. */
  applyDirections(directions: TensorViews, lr: number): void {
    tf.tidy(() =>
      this.vars.forEach((p, i) => {
        const { tensor, offset } = directions.views[i]!;
        p.assign(adamwApplyAt(p, directions.tensors[tensor]!, offset, lr));
      }),
    );
  }

  /** Counts the step and advances every chunk's moments; returns the step's scalars. */
  private advance(chunks: readonly tf.Tensor[], gradScale: tf.Tensor | undefined): AdamWScalars {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.hyper;
    if (chunks.length !== this.mv.length) throw new Error(`AdamW: ${chunks.length} flat gradients for ${this.mv.length} chunks`);
    this.step += 1;
    const scalars: AdamWScalars = { beta1: b1, beta2: b2, c1: 1 - Math.pow(b1, this.step), c2: 1 - Math.pow(b2, this.step), eps, weightDecay: wd };
    this.mv = this.mv.map((mv, c) => {
      const next = tf.keep(adamwMoments(mv, chunks[c]!, scalars, gradScale));
      mv.dispose();
      return next;
    });
    return scalars;
  }

  /** Sync point: reads every moment back (per parameter: the checkpoint's layout does not depend on the chunks). */
  async save(): Promise<AdamWState> {
    const packed = await Promise.all(this.mv.map(async (t) => (await t.data()) as Float32Array));
    const m: Float32Array[] = [];
    const v: Float32Array[] = [];
    this.layout.slots.forEach((slot, i) => {
      const chunk = packed[slot.chunk]!;
      const total = this.layout.chunkSizes[slot.chunk]!;
      m[i] = chunk.slice(slot.offset, slot.offset + slot.size);
      v[i] = chunk.slice(total + slot.offset, total + slot.offset + slot.size);
    });
    return { step: this.step, m, v };
  }

  load(state: AdamWState): void {
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length) {
      throw new Error(`optimizer state has ${state.m.length} moments for ${this.vars.length} parameters`);
    }
    this.vars.forEach((p, i) => {
      if (state.m[i]!.length !== p.size || state.v[i]!.length !== p.size) {
        throw new Error(`optimizer state for parameter ${i} has ${state.m[i]!.length} / ${state.v[i]!.length} moment entries, the parameter ${p.size}`);
      }
    });
    this.step = state.step;
    const packed = this.layout.chunkSizes.map((n) => new Float32Array(2 * n));
    this.layout.slots.forEach((slot, i) => {
      const total = this.layout.chunkSizes[slot.chunk]!;
      packed[slot.chunk]!.set(state.m[i]!, slot.offset);
      packed[slot.chunk]!.set(state.v[i]!, total + slot.offset);
    });
    for (const t of this.mv) t.dispose();
    this.mv = packed.map((data) => tf.keep(tf.tensor2d(data, [2, data.length / 2], 'float32')));
  }

  dispose(): void {
    for (const t of this.mv) t.dispose();
  }
}
