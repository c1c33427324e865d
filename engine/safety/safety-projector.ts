import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../model/causal-lm';
import { meanNll } from '../model/loss';
import type { TokenizedExample } from '../data/types';
import type { GradientHook, GradientHookResult } from '../train/trainer';
import { toBatch } from '../train/batcher';
import { gateDots, powerIteration, project } from '../kernels/spf-ops';
import type { SubspaceSide } from '../kernels/spf-types';
import type { SpfOptions } from './spf-options';

/** Blocks of one shape, stacked so each SPF kernel runs once per shape rather than once per matrix. */
interface BlockGroup {
  key: string; // "rows x cols"
  indices: number[]; // positions in adapter.variables()
  rows: number;
  cols: number;
  side: SubspaceSide; // the longer side (SPF.md step 3)
  k: number; // min(options.k, shorter side)
  U: tf.Tensor3D | undefined; // [nb, L, k]: last subspace (warm start, and reused between refreshes)
  sigmaSq: tf.Scalar | undefined; // Σσ² of the group (captured-energy metric)
  normSq: tf.Scalar | undefined; // Σ‖G_s‖² of the group
  gs: tf.Tensor3D | undefined; // [nb, rows, cols]: the safety gradient the subspace was computed from
}

/** Names of the per-step scalars SPF adds to the trainer's stats (and metrics.jsonl). */
export const SPF_METRICS = {
  safetyLoss: 'spf_safety_loss', // anchor safety loss (mean NLL of the refusal tokens) at the last refresh
  cos: 'spf_cos', // cos(G_t, G_s) over all blocks
  gate: 'spf_gate', // 1 when the gate fired (global / always); fraction of blocks (block) or directions (direction)
  removed: 'spf_removed', // ‖removed‖ / ‖G_t‖
  energy: 'spf_energy', // captured energy Σσ² / ‖G_s‖² of the top-k subspaces
} as const;

/**
 * SPF as a trainer gradient hook (SPF.md, steps 2-5): the anchor's safety gradient every `refreshEvery` steps, its
 * top-k subspace per block by warm-started power iteration, the gate, and the fused projection of the task gradient.
 * On the WebGPU backend every piece runs in SafeTune's kernels on the gradients where they live; the only read-back
 * is the trainer's one per-step metrics transfer. Decisions SPF.md leaves open:
 *  - blocks are grouped by shape and stacked ([nb, rows, cols]) so each kernel is one dispatch per shape;
 *  - between refreshes the stored G_s and its subspace are reused unchanged (the gate still uses the current G_t);
 *  - with several anchors, the safety loss is their token-weighted mean NLL (one batch).
 */
export class SafetyProjector {
  private readonly model: CausalLM;
  private readonly anchors: TokenizedExample[];
  private readonly options: SpfOptions;
  private readonly padId: number;
  private groups: BlockGroup[] | undefined;
  private safetyLoss: tf.Scalar | undefined;

  constructor(model: CausalLM, anchors: TokenizedExample[], options: SpfOptions, padId: number) {
    this.model = model;
    this.anchors = anchors;
    this.options = options;
    this.padId = padId;
  }

  readonly hook: GradientHook = ({ step, grads }) => this.apply(step, grads);

  private buildGroups(vars: readonly tf.Variable[]): BlockGroup[] {
    const byKey = new Map<string, BlockGroup>();
    vars.forEach((v, i) => {
      const [rows, cols] = v.shape as [number, number];
      const key = `${rows}x${cols}`;
      let g = byKey.get(key);
      if (g === undefined) {
        const side: SubspaceSide = rows >= cols ? 'rows' : 'cols';
        g = { key, indices: [], rows, cols, side, k: Math.min(this.options.k, rows, cols), U: undefined, sigmaSq: undefined, normSq: undefined, gs: undefined };
        byKey.set(key, g);
      }
      g.indices.push(i);
    });
    return [...byKey.values()];
  }

  /** The anchor's safety gradient per trainable variable and its loss. */
  private safetyGradient(vars: tf.Variable[]): { grads: tf.Tensor[]; loss: tf.Scalar } {
    const rows = this.anchors.map((e) => ({ ids: e.ids, labels: e.labels }));
    const batch = toBatch(rows, Math.max(...rows.map((r) => r.ids.length)), this.padId);
    const { value, grads } = tf.variableGrads(() => meanNll(this.model, batch), vars);
    return { grads: vars.map((v) => grads[v.name]!), loss: value };
  }

  private async apply(step: number, taskGrads: tf.Tensor[]): Promise<GradientHookResult> {
    const vars = this.model.adapter!.variables();
    this.groups ??= this.buildGroups(vars);
    const refresh = (step - 1) % this.options.refreshEvery === 0 || this.groups.some((g) => g.U === undefined);
    if (refresh) {
      const { grads: gs, loss } = this.safetyGradient(vars);
      this.safetyLoss?.dispose();
      this.safetyLoss = loss;
      for (const g of this.groups) {
        const stacked = tf.stack(g.indices.map((i) => gs[i]!)) as tf.Tensor3D;
        const warm = g.U;
        const iters = warm === undefined ? this.options.iters.cold : this.options.iters.warm;
        const r = powerIteration(stacked, warm, { k: g.k, side: g.side, iters, seed: step });
        warm?.dispose();
        g.gs?.dispose();
        g.sigmaSq?.dispose();
        g.normSq?.dispose();
        g.gs = stacked;
        g.U = r.U;
        g.sigmaSq = tf.tidy(() => tf.sum(tf.square(r.sigma)) as tf.Scalar);
        g.normSq = tf.tidy(() => tf.sum(r.normSq) as tf.Scalar);
        r.sigma.dispose();
        r.normSq.dispose();
        r.capturedEnergy.dispose();
      }
      for (const t of gs) t.dispose();
    }

    const out: tf.Tensor[] = [...taskGrads];
    const metrics = tf.tidy(() => {
      const stackedT = this.groups!.map((g) => tf.stack(g.indices.map((i) => taskGrads[i]!)) as tf.Tensor3D);
      const dots = this.groups!.map((g, j) => gateDots(stackedT[j]!, g.gs!, g.U!, { k: g.k, side: g.side }));
      const globalDot = tf.sum(tf.concat(dots.map((d) => d.dots))) as tf.Scalar;
      const gtNormSq = tf.sum(tf.concat(dots.map((d) => d.gtNormSq)));
      const gsNormSq = tf.sum(tf.concat(dots.map((d) => d.gsNormSq)));
      const removedSq: tf.Tensor[] = [];
      this.groups!.forEach((g, j) => {
        const d = dots[j]!;
        const r = project(stackedT[j]!, g.U!, { globalDot, dots: d.dots, dirDots: d.dirDots }, { k: g.k, side: g.side, mode: this.options.gate });
        removedSq.push(r.removedSq);
        tf.unstack(r.out).forEach((t, n) => (out[g.indices[n]!] = tf.keep(t)));
      });
      return {
        [SPF_METRICS.safetyLoss]: tf.keep(this.safetyLoss!.clone()),
        [SPF_METRICS.cos]: tf.keep(tf.div(globalDot, tf.add(tf.sqrt(tf.mul(gtNormSq, gsNormSq)), 1e-30))),
        [SPF_METRICS.gate]: tf.keep(this.gateRate(globalDot, dots)),
        [SPF_METRICS.removed]: tf.keep(tf.sqrt(tf.div(tf.sum(tf.concat(removedSq)), tf.add(gtNormSq, 1e-30)))),
        [SPF_METRICS.energy]: tf.keep(
          // stack + sum, not addN: WebGPU's AddN binds all inputs at once and a model can have more shapes than slots
          tf.div(tf.sum(tf.stack(this.groups!.map((g) => g.sigmaSq!))), tf.add(tf.sum(tf.stack(this.groups!.map((g) => g.normSq!))), 1e-30)),
        ),
      } as Record<string, tf.Scalar>;
    });
    return { grads: out, metrics };
  }

  /** How much of the gradient the gate let through to the projection (SPF_METRICS.gate). */
  private gateRate(globalDot: tf.Scalar, dots: { dots: tf.Tensor1D; dirDots: tf.Tensor2D }[]): tf.Scalar {
    switch (this.options.gate) {
      case 'always':
        return tf.scalar(1);
      case 'global':
        return tf.cast(tf.less(globalDot, 0), 'float32') as tf.Scalar;
      case 'block':
        return tf.mean(tf.cast(tf.less(tf.concat(dots.map((d) => d.dots)), 0), 'float32')) as tf.Scalar;
      case 'direction':
        return tf.mean(tf.cast(tf.less(tf.concat(dots.map((d) => d.dirDots.reshape([-1]))), 0), 'float32')) as tf.Scalar;
    }
  }

  dispose(): void {
    for (const g of this.groups ?? []) for (const t of [g.U, g.gs, g.sigmaSq, g.normSq]) t?.dispose();
    this.groups = undefined;
    this.safetyLoss?.dispose();
    this.safetyLoss = undefined;
  }
}
