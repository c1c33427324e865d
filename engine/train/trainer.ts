import * as tf from '@tensorflow/tfjs';
import { sumOfSquaresOfAll } from '../kernels/sum-squares';
import type { CausalLM } from '../model/causal-lm';
import { lossTargets, nllSum, type TokenBatch } from '../model/loss';
import type { TokenizedExample } from '../data/types';
import { SafeTuneError } from '../errors';
import { AdamW } from './adamw';
import { chunkViews, type TensorViews } from './flat-layout';
import { OPS_BETWEEN_READBACKS, ReadbackPacer } from '../device/readback-pacer';
import { Batcher, toBatch, type DataOrderState } from './batcher';
import { learningRate } from './schedule';
import type { TrainOptions } from './options';

/** What one optimizer step reports (plain numbers: ready for metrics.jsonl, the worker protocol, the charts). */
export interface StepStats {
  step: number; // optimizer steps done, 1-based
  loss: number; // mean next-token NLL over the step's trained tokens
  gradNorm: number; // global gradient norm before clipping
  lr: number;
  tokens: number; // trained (labelled) tokens in the step
  inputTokens: number; // non-padding input tokens processed
  epoch: number; // fractional epochs consumed
  ms: number; // wall time of the step
  /** Extra per-step scalars from gradient hooks (SPF metrics), read back in the same single transfer. */
  extra: Record<string, number>;
}

/** Handed to gradient hooks between accumulation and clipping. */
export interface GradientHookContext {
  step: number; // the optimizer step being taken (1-based)
  /**
   * Accumulated mean gradients, one per entry of `adapter.variables()`, as views into the optimizer's flat chunks
   * (flat-layout.ts; viewTensor cuts one out).
   */
  grads: TensorViews;
  /**
   * The step's ReadbackPacer: a hook that queues passes of its own (SPF's anchors) calls it after each, so the work
   * queued since the step's last read-back stays bounded without a sync where little was queued.
   */
  pace: (t: tf.Tensor) => Promise<void>;
}

/** What a hook returns: replacement gradients (the trainer disposes the tensors replaced) and scalars to report. */
export interface GradientHookResult {
  grads?: TensorViews;
  metrics?: Record<string, tf.Scalar>;
}

export type GradientHook = (ctx: GradientHookContext) => GradientHookResult | Promise<GradientHookResult>;

/** Handed to update hooks after AdamW formed its step, before it is applied: θ ← θ − lr·D. */
export interface UpdateHookContext {
  step: number;
  /**
   * AdamW's directions D = m̂/(√v̂+ε) + λθ, one per entry of `adapter.variables()` (the step is −lr·D), as views into
   * the optimizer's flat chunks (flat-layout.ts).
   */
  directions: TensorViews;
}

/** Replacement directions (the trainer disposes the tensors replaced) and scalars to report. */
export interface UpdateHookResult {
  directions?: TensorViews;
  metrics?: Record<string, tf.Scalar>;
}

export type UpdateHook = (ctx: UpdateHookContext) => UpdateHookResult | Promise<UpdateHookResult>;

/** Handed to a first-micro-batch hook: the step's first micro-batch and what its summed loss is divided by. */
export interface MicroBatchContext {
  step: number;
  batch: TokenBatch;
  denom: number;
}

/**
 * A hook that computes the step's first micro-batch itself, or declines (undefined): its loss term (summed NLL /
 * denom) and its gradient, one tensor per adapter variable, which the trainer then owns. SPF folds its anchors into
 * that pass (engine/safety/folded-step.ts).
 */
export type MicroBatchHook = (ctx: MicroBatchContext) => { value: tf.Scalar; grads: tf.Tensor[] } | undefined;

/**
 * A hook on any point of the step: the first micro-batch's pass, the gradients (before clipping) and / or AdamW's
 * update (before applying).
 */
export interface StepHooks {
  firstMicroBatch?: MicroBatchHook;
  gradients?: GradientHook;
  update?: UpdateHook;
}

/** Serializable trainer position (the adapter and optimizer moments are stored beside it). */
export interface TrainerPosition {
  step: number;
  order: DataOrderState;
}

/**
 * Trains the model's LoRA adapter: micro-batches → summed NLL gradients → token-weighted mean → gradient hooks →
 * global-norm clipping → AdamW's moments → update hooks (SPF) → the step. One read-back per step (the stats).
 */
export class Trainer {
  readonly model: CausalLM;
  readonly options: TrainOptions;
  readonly totalSteps: number;
  private readonly batcher: Batcher;
  private readonly optimizer: AdamW;
  private readonly validation: readonly TokenizedExample[];
  private readonly padId: number;
  private readonly gradientHooks: GradientHook[] = [];
  private readonly updateHooks: UpdateHook[] = [];
  private readonly microBatchHooks: MicroBatchHook[] = [];
  private stepCount: number;
  /** Ops the accumulation loop may queue between read-backs (ReadbackPacer). */
  opsBetweenReadbacks = OPS_BETWEEN_READBACKS;
  /** Read-backs the last step made before its closing one to bound its queued work (accumulation loop and hooks). */
  lastStepPacedReadbacks = 0;

  constructor(model: CausalLM, train: readonly TokenizedExample[], validation: readonly TokenizedExample[], options: TrainOptions, padId: number, position?: TrainerPosition) {
    if (model.adapter === undefined) throw new SafeTuneError('bad-argument', 'the model has no LoRA adapter to train');
    this.model = model;
    this.options = options;
    this.validation = validation;
    this.padId = padId;
    this.batcher = new Batcher(train, { batchSize: options.batchSize, maxLength: options.maxLength, pack: options.pack, padId, seed: options.seed }, position?.order);
    this.optimizer = new AdamW(model.adapter.variables(), options);
    this.stepCount = position?.step ?? 0;
    this.optimizer.step = this.stepCount;
    this.totalSteps = options.maxSteps ?? Math.max(1, Math.ceil((this.batcher.microBatchesPerEpoch() * options.epochs) / options.gradAccum));
  }

  get step(): number {
    return this.stepCount;
  }

  get done(): boolean {
    return this.stepCount >= this.totalSteps;
  }

  get position(): TrainerPosition {
    return { step: this.stepCount, order: this.batcher.orderState };
  }

  /**
   * Registers hooks: a function sees (and may replace) the accumulated gradients before clipping; StepHooks may also
   * see (and replace) AdamW's update before it is applied (SPF's projector.hook is one).
   */
  addGradientHook(hook: GradientHook | StepHooks): void {
    const hooks: StepHooks = typeof hook === 'function' ? { gradients: hook } : hook;
    if (hooks.firstMicroBatch) this.microBatchHooks.push(hooks.firstMicroBatch);
    if (hooks.gradients) this.gradientHooks.push(hooks.gradients);
    if (hooks.update) this.updateHooks.push(hooks.update);
  }

  /** One optimizer step (gradAccum micro-batches). */
  async trainStep(): Promise<StepStats> {
    const t0 = performance.now();
    const adapter = this.model.adapter!;
    const vars = adapter.variables();
    const step = this.stepCount + 1;
    let acc: tf.Tensor[] | undefined;
    let lossSum: tf.Tensor = tf.scalar(0);
    let inputTokens = 0;
    // The step's micro-batches are drawn first so that each one's summed loss is divided by the whole step's token
    // count inside autodiff: the gradients come out as means, with no division pass over every adapter tensor after
    // (one dispatch per tensor, hundreds at a real model's layer count, on a GPU where dispatches, not FLOPs, bound the
    // step).
    const batches = Array.from({ length: this.options.gradAccum }, () => this.batcher.next());
    const tokens = batches.reduce((n, b) => n + lossTargets(b).rows.length, 0);
    const denom = Math.max(tokens, 1);
    // Many micro-batches at a real model's size are tens of thousands of dispatches: see ReadbackPacer.
    const pacer = new ReadbackPacer(this.opsBetweenReadbacks);
    for (let micro = 0; micro < batches.length; micro++) {
      const batch = batches[micro]!;
      inputTokens += countInputTokens(batch, this.padId);
      const seed = this.options.seed * 7919 + step * this.options.gradAccum + micro;
      let taken: { value: tf.Scalar; grads: tf.Tensor[] } | undefined;
      for (const hook of micro === 0 ? this.microBatchHooks : []) taken ??= hook({ step, batch, denom });
      const { value, g } = taken !== undefined ? { value: taken.value, g: taken.grads } : this.microBatchGradients(batch, denom, seed, vars);
      const nextLoss = tf.add(lossSum, value);
      lossSum.dispose();
      value.dispose();
      lossSum = nextLoss;
      if (acc === undefined) acc = g;
      else {
        const summed = acc.map((a, i) => tf.add(a, g[i]!));
        for (const t of [...acc, ...g]) t.dispose();
        acc = summed;
      }
      if (micro + 1 < batches.length) await pacer.pace(lossSum);
    }
    // The optimizer's flat chunks (flat-layout.ts): the hooks' measures, the norm, the moments and the update each take
    // a dispatch or two per chunk instead of one per adapter tensor.
    const chunked = chunkViews(this.optimizer.layout, this.optimizer.flatten(acc!));
    tf.dispose(acc!);
    let grads = chunked;

    const metricScalars: Record<string, tf.Scalar> = {};
    for (const hook of this.gradientHooks) {
      const r = await hook({ step, grads, pace: (t) => pacer.pace(t) });
      if (r.grads && r.grads !== grads) {
        for (const old of grads.tensors) if (!r.grads.tensors.includes(old)) old.dispose();
        grads = r.grads;
      }
      Object.assign(metricScalars, r.metrics ?? {});
    }
    // A hook that replaced the gradients (SPF projecting them) hands back its own stacks: into the chunks again.
    const regathered = grads !== chunked;
    const flat = regathered ? this.optimizer.flattenViews(grads) : grads.tensors;
    if (regathered) tf.dispose(grads.tensors);
    const gradNorm = globalNorm(flat);
    // Clipping's factor enters AdamW's moments on the device, rather than as a pass over every gradient here.
    const clipScale = this.options.maxGradNorm > 0 ? tf.tidy(() => tf.minimum(1, tf.div(this.options.maxGradNorm, tf.add(gradNorm, 1e-6)))) : undefined;
    const lr = learningRate(this.options.schedule, this.options.lr, step, this.totalSteps, this.options.warmupSteps);
    // Without update hooks the direction is never materialised: one dispatch fewer per tensor.
    let directions = this.updateHooks.length === 0 ? undefined : this.optimizer.directions(flat, clipScale);
    if (directions === undefined) this.optimizer.apply(flat, lr, clipScale);
    clipScale?.dispose();
    tf.dispose(flat);
    if (directions !== undefined) {
      for (const hook of this.updateHooks) {
        const r = await hook({ step, directions });
        if (r.directions) {
          for (const old of directions.tensors) if (!r.directions.tensors.includes(old)) old.dispose();
          directions = r.directions;
        }
        Object.assign(metricScalars, r.metrics ?? {});
      }
      this.optimizer.applyDirections(directions, lr);
      tf.dispose(directions.tensors);
    }
    this.stepCount = step;
    this.lastStepPacedReadbacks = pacer.count;

    // The step's closing read-back (a sync point): loss, grad norm and the hooks' metrics in a single transfer (the
    // accumulation loop and SPF's anchors may have synced before, to bound the work they queued).
    const names = Object.keys(metricScalars);
    const packed = tf.tidy(() => tf.stack([lossSum, gradNorm, ...names.map((n) => metricScalars[n]!)]));
    const values = await packed.data();
    for (const t of [packed, lossSum, gradNorm, ...Object.values(metricScalars)]) t.dispose();
    const extra: Record<string, number> = {};
    names.forEach((n, i) => (extra[n] = values[i + 2]!));
    return {
      step,
      loss: values[0]!,
      gradNorm: values[1]!,
      lr,
      tokens,
      inputTokens,
      epoch: this.batcher.epochProgress,
      ms: performance.now() - t0,
      extra,
    };
  }

  /** One micro-batch's summed NLL / denom and its gradient per adapter variable (LoRA dropout drawn from `seed`). */
  private microBatchGradients(batch: TokenBatch, denom: number, seed: number, vars: tf.Variable[]): { value: tf.Scalar; g: tf.Tensor[] } {
    const { value, grads } = tf.variableGrads(() => {
      const r = nllSum(this.model, batch, { training: true, seed });
      return tf.div(r.sum, denom) as tf.Scalar;
    }, vars);
    return { value, g: vars.map((v) => grads[v.name]!) };
  }

  /** Mean NLL over the validation set (no dropout), batched like training. Returns undefined without one. */
  async evaluate(): Promise<number | undefined> {
    return this.validation.length === 0 ? undefined : meanLoss(this.model, this.validation, this.options.batchSize, this.options.maxLength, this.padId);
  }

  /** The optimizer moments (for checkpoints). */
  saveOptimizer(): ReturnType<AdamW['save']> {
    return this.optimizer.save();
  }

  loadOptimizer(state: Awaited<ReturnType<AdamW['save']>>): void {
    this.optimizer.load(state);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/**
 * Token-weighted mean NLL of `examples` (used for validation and for safety probes). Each batch's sum is read back
 * before the next batch starts: the await hands the event loop a turn, and only then can the WebGPU host release the
 * bind groups (and other per-dispatch objects) of the batches already run. Without it, 40 probes at the SmolLM2-135M
 * shape ran ~50,000 dispatches in one synchronous stretch and the process died (SIGSEGV) when Mesa's Vulkan ran out of
 * memory mappings for their descriptor pools.
 */
export async function meanLoss(model: CausalLM, examples: readonly TokenizedExample[], batchSize: number, maxLength: number, padId: number): Promise<number> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const rows = examples.slice(i, i + batchSize).map((e) => ({ ids: e.ids.slice(0, maxLength), labels: e.labels.slice(0, maxLength) }));
    const batch = toBatch(rows, Math.max(...rows.map((r) => r.ids.length)), padId);
    const r = nllSum(model, batch);
    try {
      sum += (await r.sum.data())[0]!;
    } finally {
      r.sum.dispose();
    }
    count += r.count;
  }
  return count === 0 ? Number.NaN : sum / count;
}

/**
 * √Σ‖g‖² over all gradient tensors, as a scalar on the backend. stack + sum rather than addN: WebGPU's AddN binds every
 * input at once and fails past the adapter's storage-buffer limit (8 on some), while concat splits itself.
 */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(sumOfSquaresOfAll(grads)) as tf.Scalar);
}

function countInputTokens(batch: TokenBatch, padId: number): number {
  // Right padding: a row's real tokens are those before its trailing run of padId (an EOS used as pad inside a row counts).
  let n = 0;
  for (let r = 0; r < batch.batchSize; r++) {
    let end = batch.seqLen;
    while (end > 0 && batch.ids[r * batch.seqLen + end - 1] === padId && batch.labels[r * batch.seqLen + end - 1] === -100) end--;
    n += end;
  }
  return n;
}
