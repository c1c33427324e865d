import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../model/causal-lm';
import { meanNll } from '../model/loss';
import type { TokenizedExample } from '../data/types';
import type { GradientHookResult, StepHooks, UpdateHookResult } from '../train/trainer';
import { toBatch } from '../train/batcher';
import { maxBindingBytes } from '../kernels/webgpu-compat';
import { SafeTuneError } from '../errors';
import { layoutBlockGroups } from './spf-groups';
import { SafetySubspace, type SubspaceProjection } from './safety-subspace';
import { projectsGradient, projectsUpdate, type SpfOptions } from './spf-options';
import { scopeAnchor } from './anchor-scope';

/** Names of the per-step scalars SPF adds to the trainer's stats (and so to metrics.jsonl and the worker's events). */
export const SPF_METRICS = {
  safetyLoss: 'spf_safety_loss', // anchors' safety loss (mean over the anchor passes of their refusal-token NLL), last refresh
  cos: 'spf_cos', // cos(G_t, G_s) over all blocks, of the task gradient before any projection
  energy: 'spf_energy', // captured energy Σσ² / ‖M‖²_F of the top-k subspaces of the stacked anchor gradients
  // Step 5, every step: the gate's decision on the task gradient (1 / 0 for global and always; the fraction of blocks
  // or directions for block / direction), and ‖removed‖ / ‖G_t‖, 0 when only the update is projected.
  gate: 'spf_gate',
  removed: 'spf_removed',
  // Step 6, every step (measured also when the update is not projected):
  /**
   * cos(−Δθ, G_s) of the step actually applied (Δθ = −lr·D): ≥ 0 means it does not raise the safety loss to first
   * order; SPF.md's "cos(Δθ, G_s) ≥ 0 when SPF works" in this sign. Down to −√(1 − captured energy) when projected.
   */
  updateCos: 'spf_update_cos',
  // project 'update' | 'both' only:
  updateGate: 'spf_update_gate', // as spf_gate, for the update's gate
  updateRemoved: 'spf_update_removed', // ‖removed‖ / ‖D‖ of AdamW's update
} as const;

/**
 * SPF as trainer hooks (SPF.md revision 2): every `refreshEvery` steps each anchor's safety gradient, the top-k
 * subspace of their stack per block by warm-started power iteration; then the gated projection of the task gradient
 * (step 5) and / or of AdamW's update (step 6), as `project` says. On the WebGPU backend every piece runs in
 * SafeTune's kernels on the tensors where they live; the anchors' losses ride on the trainer's one per-step transfer
 * unless the step's pacer syncs between anchors (anchorGradients).
 * Decisions SPF.md leaves open:
 *  - blocks are grouped by shape, stacked ([nb, rows, cols]) and split under the device's binding limit;
 *  - between refreshes the stored G_s and its subspace are reused unchanged (the gates still test the current X);
 *  - one backward pass per anchor (its gradient must stay separate to widen the subspace), unless anchorsPerPass
 *    groups them: a pass's anchors are one batch and give one gradient, of their token-weighted mean loss.
 */
export class SafetyProjector {
  private readonly model: CausalLM;
  /** The anchors in their backward passes (options.anchorsPerPass per pass; one each by default). */
  private readonly passes: TokenizedExample[][];
  private readonly options: SpfOptions;
  private readonly padId: number;
  private subspace: SafetySubspace | undefined;
  private safetyLoss: tf.Scalar | undefined;

  constructor(model: CausalLM, anchors: TokenizedExample[], options: SpfOptions, padId: number) {
    if (anchors.length === 0) throw new SafeTuneError('bad-argument', 'SPF needs at least one safety anchor', 'use the bundled anchors or pass a JSONL file of {"request", "refusal"} pairs');
    this.model = model;
    const scoped = anchors.map((a) => scopeAnchor(a, options.anchorTokens));
    this.passes = [];
    for (let i = 0; i < scoped.length; i += options.anchorsPerPass) this.passes.push(scoped.slice(i, i + options.anchorsPerPass));
    this.options = options;
    this.padId = padId;
  }

  /** Install with trainer.addGradientHook(projector.hook): both points of the step. */
  readonly hook: StepHooks = {
    gradients: ({ step, grads, pace }) => this.onGradients(step, grads, pace),
    update: ({ directions }) => this.onUpdate(directions),
  };

  /**
   * Each anchor's safety gradient per trainable variable, and the mean of their losses. After each anchor's pass the
   * step's pacer reads its loss back once enough work is queued: the await gives the WebGPU host the event-loop turn
   * it needs to release the passes' bind groups (at the SmolLM2-135M shape a step's anchors, step and subspace
   * otherwise ran in one synchronous stretch and exhausted Mesa's memory mappings). A small model's anchors ride on the
   * step's closing read-back instead: a sync mid-step leaves the CPU idle while the GPU drains the task pass.
   */
  private async anchorGradients(vars: tf.Variable[], pace: (t: tf.Tensor) => Promise<void>): Promise<{ grads: tf.Tensor[][]; loss: tf.Scalar }> {
    const grads: tf.Tensor[][] = [];
    const losses: tf.Scalar[] = [];
    try {
      for (const pass of this.passes) {
        const batch = toBatch(pass, Math.max(...pass.map((e) => e.ids.length)), this.padId);
        const r = tf.variableGrads(() => meanNll(this.model, batch), vars);
        grads.push(vars.map((v) => r.grads[v.name]!));
        losses.push(r.value);
        await pace(r.value);
      }
    } catch (err) {
      for (const t of [...grads.flat(), ...losses]) t.dispose();
      throw err;
    }
    const loss = tf.tidy(() => tf.mean(tf.stack(losses)) as tf.Scalar);
    for (const l of losses) l.dispose();
    return { grads, loss };
  }

  private async refresh(step: number, pace: (t: tf.Tensor) => Promise<void>): Promise<void> {
    const vars = this.model.adapter!.variables();
    this.subspace ??= new SafetySubspace(layoutBlockGroups(vars.map((v) => v.shape), this.options.k, this.passes.length, maxBindingBytes()));
    const { grads, loss } = await this.anchorGradients(vars, pace);
    try {
      this.subspace.refresh(grads, this.options.iters, step);
    } finally {
      for (const t of grads.flat()) t.dispose();
    }
    this.safetyLoss?.dispose();
    this.safetyLoss = loss;
  }

  private async onGradients(step: number, grads: tf.Tensor[], pace: (t: tf.Tensor) => Promise<void>): Promise<GradientHookResult> {
    if ((step - 1) % this.options.refreshEvery === 0 || this.subspace?.ready !== true) await this.refresh(step, pace);
    const p = this.subspace!.project(grads, this.options.gate, projectsGradient(this.options));
    const metrics: Record<string, tf.Scalar> = {
      [SPF_METRICS.safetyLoss]: this.safetyLoss!.clone(),
      [SPF_METRICS.cos]: cosine(p.dot, p.normSq, p.gsNormSq),
      [SPF_METRICS.energy]: this.subspace!.capturedEnergy(),
      [SPF_METRICS.gate]: p.gateRate.clone(),
      [SPF_METRICS.removed]: ratio(p.removedSq, p.normSq),
    };
    disposeScalars(p);
    return { grads: p.out, metrics };
  }

  private onUpdate(directions: tf.Tensor[]): UpdateHookResult {
    const apply = projectsUpdate(this.options);
    const p = this.subspace!.project(directions, this.options.gate, apply);
    const metrics: Record<string, tf.Scalar> = { [SPF_METRICS.updateCos]: cosine(p.outDot, p.outNormSq, p.gsNormSq) };
    if (apply) {
      metrics[SPF_METRICS.updateGate] = p.gateRate.clone();
      metrics[SPF_METRICS.updateRemoved] = ratio(p.removedSq, p.normSq);
    }
    disposeScalars(p);
    return { directions: p.out, metrics };
  }

  dispose(): void {
    this.subspace?.dispose();
    this.subspace = undefined;
    this.safetyLoss?.dispose();
    this.safetyLoss = undefined;
  }
}

function cosine(dot: tf.Scalar, aSq: tf.Scalar, bSq: tf.Scalar): tf.Scalar {
  return tf.tidy(() => tf.div(dot, tf.add(tf.sqrt(tf.mul(aSq, bSq)), 1e-30)) as tf.Scalar);
}

function ratio(partSq: tf.Scalar, wholeSq: tf.Scalar): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.div(partSq, tf.add(wholeSq, 1e-30))) as tf.Scalar);
}

function disposeScalars(p: SubspaceProjection): void {
  for (const t of [p.dot, p.outDot, p.normSq, p.outNormSq, p.gsNormSq, p.removedSq, p.gateRate]) t.dispose();
}
