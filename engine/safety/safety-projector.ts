import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../model/causal-lm';
import type { TokenizedExample } from '../data/types';
import type { GradientHookResult, MicroBatchContext, StepHooks, UpdateHookResult } from '../train/trainer';
import { isWebGPUActive, maxBindingBytes } from '../kernels/webgpu-compat';
import { SafeTuneError } from '../errors';
import { layoutBlockGroups } from './spf-groups';
import { SafetySubspace, type ProjectionScalars } from './safety-subspace';
import type { TensorViews } from '../train/flat-layout';
import { projectsGradient, projectsUpdate, type SpfOptions } from './spf-options';
import { scopeAnchor } from './anchor-scope';
import { ANCHORS_PER_BATCH, anchorGroupGradients, type AnchorGradients } from './anchor-gradients';
import { AnchorSlots } from './anchor-slots';
import { foldedStepGradients } from './folded-step';
import { isSoftwareAdapterInUse } from '../device/adapter-kind';

/** Names of the per-step scalars SPF adds to the trainer's stats (and so to metrics.jsonl and the worker's events). */
export const SPF_METRICS = {
  safetyLoss: 'spf_safety_loss', // anchors' safety loss (mean over the anchor groups of their refusal-token NLL), last refresh
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
 * unless the step's pacer syncs between anchor passes (anchorGroupGradients).
 * Decisions SPF.md leaves open:
 *  - blocks are grouped by shape, stacked ([nb, rows, cols]) and split under the device's binding limit;
 *  - between refreshes the stored G_s and its subspace are reused unchanged (the gates still test the current X);
 *  - one gradient per anchor (they must stay separate to widen the subspace), unless anchorsPerPass groups them (a
 *    group's gradient is that of its token-weighted mean loss); up to ANCHORS_PER_BATCH anchors share one batched
 *    backward pass, with a LoRA copy per group (anchor-gradients.ts), as long as the pass holds no more tokens than
 *    the run's training batch.
 */
export class SafetyProjector {
  private readonly model: CausalLM;
  /** The anchors by the gradient they share (options.anchorsPerPass per group; one each by default). */
  private readonly groups: TokenizedExample[][];
  private readonly options: SpfOptions;
  private readonly padId: number;
  private readonly passTokens: number;
  private subspace: SafetySubspace | undefined;
  private safetyLoss: tf.Scalar | undefined;
  private readonly slots = new AnchorSlots();
  private readonly fold: AnchorFolding;
  /** The anchors' gradients of a step whose first micro-batch carried them (foldedStepGradients), until refresh takes them. */
  private folded: { step: number; anchors: AnchorGradients } | undefined;
  /** Refreshes whose anchor gradients came from the step's first micro-batch (foldedStepGradients). */
  foldedRefreshes = 0;

  /**
   * `passTokens`: the most padded tokens one batched anchor pass may hold, the run's training batch (batch ×
   * maxLength). `fold`: whether the anchors ride in the step's first micro-batch instead of a pass of their own
   * (shouldFold; 'auto' decides by backend and sizes, the others are for tests and the bench).
   */
  constructor(model: CausalLM, anchors: TokenizedExample[], options: SpfOptions, padId: number, passTokens = Infinity, fold: AnchorFolding = 'auto') {
    if (anchors.length === 0) throw new SafeTuneError('bad-argument', 'SPF needs at least one safety anchor', 'use the bundled anchors or pass a JSONL file of {"request", "refusal"} pairs');
    this.model = model;
    const scoped = anchors.map((a) => scopeAnchor(a, options.anchorTokens));
    this.groups = [];
    for (let i = 0; i < scoped.length; i += options.anchorsPerPass) this.groups.push(scoped.slice(i, i + options.anchorsPerPass));
    this.options = options;
    this.padId = padId;
    this.passTokens = passTokens;
    this.fold = fold;
  }

  /** Install with trainer.addGradientHook(projector.hook): every point of the step. */
  readonly hook: StepHooks = {
    firstMicroBatch: (ctx) => this.onFirstMicroBatch(ctx),
    gradients: ({ step, grads, pace }) => this.onGradients(step, grads, pace),
    update: ({ directions }) => this.onUpdate(directions),
  };

  private refreshDue(step: number): boolean {
    return (step - 1) % this.options.refreshEvery === 0 || this.subspace?.ready !== true;
  }

  /**
   * Folding saves the anchors' own forward and backward pass — on a GPU as many dispatches as the training batch's —
   * for a few products per projection, and costs the padding of every anchor row to the folded batch's length. 'auto'
   * folds on a GPU's WebGPU adapter only: a software adapter (llvmpipe, SwiftShader) is bound by the CPU's arithmetic,
   * and there the demo model's quick-demo step took as long or longer folded (README, "Decisions SPF.md leaves open").
   * Never without the slots' shared path (WebGPU), with LoRA dropout (the anchors must not be dropped out), when the
   * anchors need more than one batched pass, when their padded rows would hold more tokens than the training batch (a
   * separate pass's bound: the folded step holds at most twice a plain step's activations), or when the folded pass's
   * widest activation would not fit one binding.
   */
  private shouldFold(batch: { batchSize: number; seqLen: number }): boolean {
    if (this.fold === 'never' || this.model.adapter!.config.dropout > 0) return false;
    if (this.fold === 'always') return true;
    if (!isWebGPUActive() || isSoftwareAdapterInUse() === true) return false;
    const anchors = this.groups.flat();
    if (anchors.length > ANCHORS_PER_BATCH) return false;
    const seqLen = Math.max(batch.seqLen, ...anchors.map((a) => a.ids.length));
    if (anchors.length * seqLen > Math.min(this.passTokens, batch.batchSize * batch.seqLen)) return false;
    // The folded pass's widest activations — the MLP's [rows, intermediate] and one layer's attention scores
    // [sequences, heads, T, T] — must still fit one binding where the training batch's alone did.
    const c = this.model.config;
    const rows = (batch.batchSize + anchors.length) * seqLen;
    return rows * Math.max(c.intermediateSize, c.numHeads * seqLen) * 4 <= maxBindingBytes();
  }

  private onFirstMicroBatch({ step, batch, denom }: MicroBatchContext): { value: tf.Scalar; grads: tf.Tensor[] } | undefined {
    if (!this.refreshDue(step) || !this.shouldFold(batch)) return undefined;
    this.disposeFolded();
    const r = foldedStepGradients(this.model, batch, this.groups, this.padId, denom, this.slots);
    this.folded = { step, anchors: r.anchors };
    return { value: r.value, grads: r.grads };
  }

  private disposeFolded(): void {
    if (this.folded === undefined) return;
    tf.dispose([...this.folded.anchors.stacked.grads, this.folded.anchors.lossSum]);
    this.folded = undefined;
  }

  private async refresh(step: number, pace: (t: tf.Tensor) => Promise<void>): Promise<void> {
    const vars = this.model.adapter!.variables();
    this.subspace ??= new SafetySubspace(layoutBlockGroups(vars.map((v) => v.shape), this.options.k, this.groups.length, maxBindingBytes()));
    const carried = this.folded?.step === step ? this.folded.anchors : undefined;
    if (carried !== undefined) {
      this.folded = undefined;
      this.foldedRefreshes++;
    } else this.disposeFolded();
    const { stacked, lossSum } = carried ?? (await anchorGroupGradients(this.model, this.groups, this.padId, pace, this.passTokens, this.slots));
    const loss = tf.tidy(() => tf.div(lossSum, this.groups.length) as tf.Scalar);
    lossSum.dispose();
    try {
      this.subspace.refreshStacked(stacked, this.options.iters, step);
    } finally {
      tf.dispose([...stacked.grads]);
    }
    this.safetyLoss?.dispose();
    this.safetyLoss = loss;
  }

  private async onGradients(step: number, grads: TensorViews, pace: (t: tf.Tensor) => Promise<void>): Promise<GradientHookResult> {
    if (this.refreshDue(step)) await this.refresh(step, pace);
    const p = this.subspace!.projectViews(grads, this.options.gate, projectsGradient(this.options));
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

  private onUpdate(directions: TensorViews): UpdateHookResult {
    const apply = projectsUpdate(this.options);
    const p = this.subspace!.projectViews(directions, this.options.gate, apply);
    const metrics: Record<string, tf.Scalar> = { [SPF_METRICS.updateCos]: cosine(p.outDot, p.outNormSq, p.gsNormSq) };
    if (apply) {
      metrics[SPF_METRICS.updateGate] = p.gateRate.clone();
      metrics[SPF_METRICS.updateRemoved] = ratio(p.removedSq, p.normSq);
    }
    disposeScalars(p);
    return { directions: p.out, metrics };
  }

  dispose(): void {
    this.disposeFolded();
    this.subspace?.dispose();
    this.subspace = undefined;
    this.safetyLoss?.dispose();
    this.safetyLoss = undefined;
    this.slots.dispose();
  }
}

/**
 * Whether SPF's anchors ride in the step's first micro-batch: by backend and sizes ('auto'), or always / never
 * ('always' on any backend, but never with LoRA dropout).
 */
export type AnchorFolding = 'auto' | 'always' | 'never';

function cosine(dot: tf.Scalar, aSq: tf.Scalar, bSq: tf.Scalar): tf.Scalar {
  return tf.tidy(() => tf.div(dot, tf.add(tf.sqrt(tf.mul(aSq, bSq)), 1e-30)) as tf.Scalar);
}

function ratio(partSq: tf.Scalar, wholeSq: tf.Scalar): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.div(partSq, tf.add(wholeSq, 1e-30))) as tf.Scalar);
}

function disposeScalars(p: ProjectionScalars): void {
  for (const t of [p.dot, p.outDot, p.normSq, p.outNormSq, p.gsNormSq, p.removedSq, p.gateRate]) t.dispose();
}
