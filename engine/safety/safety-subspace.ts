import * as tf from '@tensorflow/tfjs';
import { gateSums, powerIteration, project, unpackGateSums, type GateDotsResult } from '../kernels/spf-ops';
import type { SpfGate } from '../kernels/spf-types';
import type { BlockGroupLayout } from './spf-groups';
import { viewRange, viewTensor, type TensorViews } from '../train/flat-layout';

interface GroupState {
  layout: BlockGroupLayout;
  basis: tf.Tensor3D; // [nb, L, kIter] the power iteration's basis: the next refresh's warm start
  U: tf.Tensor3D; // [nb, L, k] the safety subspace, its first k columns
  gs: tf.Tensor3D; // [nb, rows, cols] G_s: the mean of the anchors' gradients (the gates' reference)
  sigma: tf.Tensor2D; // [nb, k] the top-k singular values of the blocks' stacked anchor gradients
  normSq: tf.Tensor1D; // [nb] their ‖M‖²_F
}

/**
 * Every adapter variable's anchor gradients, G of them side by side: variable i's `grads[i]` is [G·rows, cols]
 * (`axes[i]` 0) or [rows, G·cols] (1), block g being anchor group g's gradient. The side-by-side layout is what the
 * batched anchor pass produces (anchor-gradients.ts), and along the block's short side it is the stack M itself.
 */
export interface StackedGradients {
  grads: readonly tf.Tensor2D[];
  axes: readonly (0 | 1)[];
  groups: number;
}

/** G blocks side by side along `from` → the same blocks side by side along `to`. */
function restack(x: tf.Tensor2D, from: 0 | 1, to: 0 | 1, groups: number): tf.Tensor2D {
  if (from === to || groups === 1) return x;
  return tf.concat(tf.split(x, groups, from), to) as tf.Tensor2D;
}

/**
 * Per block of a stack [nb, ·, ·] whose blocks each hold G anchor blocks side by side along `axis` (0: rows, 1:
 * columns of the block), the mean of those G: [nb, rows, cols] of one anchor block. Per shape group, not per adapter
 * variable (that was two dispatches a variable: hundreds at a real model's layer count). As G slices summed, not
 * tf.mean over the G axis: tfjs-webgpu reduces a middle axis through a transpose and a reduction that took ~95 ms
 * for one [60, 64, 4 × 16] stack on lavapipe, against ~5 ms this way (`.tmp` timing).
 */
function meanOfGroups(stack: tf.Tensor3D, axis: 0 | 1, groups: number): tf.Tensor3D {
  const parts = tf.split(stack, groups, axis + 1);
  let sum = parts[0]!;
  for (let g = 1; g < groups; g++) sum = tf.add(sum, parts[g]!);
  return tf.mul(sum, 1 / groups) as tf.Tensor3D;
}

/** What one gated projection of a vector X (the task gradient or AdamW's update) measures, all on the backend. */
export interface ProjectionScalars {
  dot: tf.Scalar; // Σ_b ⟨X^b, G_s^b⟩ before projecting
  outDot: tf.Scalar; // Σ_b ⟨out^b, G_s^b⟩
  normSq: tf.Scalar; // ‖X‖²
  outNormSq: tf.Scalar; // ‖out‖²
  gsNormSq: tf.Scalar; // ‖G_s‖²
  removedSq: tf.Scalar; // ‖X − out‖²
  gateRate: tf.Scalar; // 1 / 0 (global, always), fraction of blocks (block) or directions (direction) removed
}

/** One gated projection: X with the gated in-subspace parts removed, one tensor per adapter variable, and its scalars. */
export interface SubspaceProjection extends ProjectionScalars {
  out: tf.Tensor[];
}

/** The same, X and out given as views (the optimizer's flat chunks in; SPF's projected stacks out). */
export interface SubspaceViewProjection extends ProjectionScalars {
  out: TensorViews;
}

/**
 * The safety subspaces of all blocks (SPF.md step 3) and the gated projection off them (steps 4-6). Blocks are
 * stacked by shape group (one kernel dispatch per group); with N anchors the subspace is the top-k of the stacked
 * [G_s^{b,1} … G_s^{b,N}], so several anchors widen it, while the gates test against their mean G_s^b.
 */
export class SafetySubspace {
  private states: GroupState[] | undefined;
  /** Σσ² / ‖M‖²_F over all blocks, computed once per refresh: every step reports it, and it changes only here. */
  private energy: tf.Scalar | undefined;
  private selector: tf.Tensor2D | undefined;

  constructor(private readonly layouts: readonly BlockGroupLayout[]) {}

  get ready(): boolean {
    return this.states !== undefined;
  }

  /**
   * New subspaces from `anchorGrads[j][i]` (anchor j, adapter variable i), warm-started from the previous ones.
   * Reads the gradients (does not dispose them).
   */
  refresh(anchorGrads: readonly (readonly tf.Tensor[])[], iters: { warm: number; cold: number }, seed: number): void {
    const n = anchorGrads[0]?.length ?? 0;
    const stacked = Array.from({ length: n }, (_, i) => (anchorGrads.length === 1 ? anchorGrads[0]![i]! : tf.concat(anchorGrads.map((g) => g[i]!), 0)) as tf.Tensor2D);
    try {
      this.refreshStacked({ grads: stacked, axes: stacked.map(() => 0), groups: anchorGrads.length }, iters, seed);
    } finally {
      if (anchorGrads.length > 1) tf.dispose(stacked);
    }
  }

  /**
   * New subspaces from every variable's stacked anchor gradients (StackedGradients), warm-started from the previous
   * ones. Reads the gradients (does not dispose them).
   */
  refreshStacked(stacked: StackedGradients, iters: { warm: number; cold: number }, seed: number): void {
    const previous = this.states;
    const groups = stacked.groups;
    this.states = this.layouts.map((layout, n) => {
      const warm = previous?.[n]?.basis;
      const { k, kIter } = layout;
      const t = tf.tidy(() => {
        // The stack M = [G^1 … G^N] of each block along its short side, so U (on the long side) spans all anchors'
        // directions; G_s, the gates' reference, is their mean.
        const along = layout.side === 'rows' ? 1 : 0;
        const M = tf.stack(layout.indices.map((i) => restack(stacked.grads[i]!, stacked.axes[i]!, along, groups))) as tf.Tensor3D;
        const r = powerIteration(M, warm, { k: kIter, side: layout.side, iters: warm === undefined ? iters.cold : iters.warm, seed });
        // G_s, the mean of the groups' gradients, from M itself (one anchor group: M is G_s).
        const gs = groups === 1 ? M : meanOfGroups(M, along, groups);
        const [nb, L] = [layout.indices.length, layout.L];
        const U = (kIter === k ? r.U : tf.slice(r.U, [0, 0, 0], [nb, L, k])) as tf.Tensor3D;
        const sigma = (kIter === k ? r.sigma : tf.slice(r.sigma, [0, 0], [nb, k])) as tf.Tensor2D;
        return { basis: r.U, U, gs, sigma, normSq: r.normSq };
      });
      return { layout, ...t };
    });
    for (const s of previous ?? []) disposeState(s);
    this.energy?.dispose();
    const states = this.states;
    // Every group's σ and norms in one concat each, then one sum: a handful of dispatches per refresh, not per group.
    // (concat, not addN: WebGPU's AddN binds all inputs at once and a model can have more groups than slots.)
    this.energy = tf.tidy(() => {
      const sigmaSq = tf.sum(tf.square(tf.concat(states.map((s) => tf.reshape(s.sigma, [-1])))));
      const normSq = tf.sum(tf.concat(states.map((s) => s.normSq)));
      return tf.div(sigmaSq, tf.add(normSq, 1e-30)) as tf.Scalar;
    });
  }

  /** Captured energy Σσ² / ‖M‖²_F over all blocks (SPF.md step 3), of the last refresh; a new scalar the caller disposes. */
  capturedEnergy(): tf.Scalar {
    this.required();
    return this.energy!.clone();
  }

  /**
   * Removes from `x` (one tensor per adapter variable) the in-subspace parts the gate picks, with the gate tested on
   * ⟨x, G_s⟩ (SPF.md step 4; `project: false` measures only). Returns kept tensors; `x` is not disposed.
   */
  project(x: readonly tf.Tensor[], gate: SpfGate, apply = true): SubspaceProjection {
    const states = this.required();
    return tf.tidy(() => {
      const stacks = states.map((s) => tf.stack(s.layout.indices.map((i) => x[i]!)) as tf.Tensor3D);
      const r = this.projectStacks(stacks, gate, apply);
      const out = [...x];
      r.outStacks?.forEach((stack, n) => tf.unstack(stack).forEach((t, b) => (out[states[n]!.layout.indices[b]!] = t)));
      const kept = out.map((t, i) => (t === x[i] ? t : tf.keep(t)));
      return { ...r.scalars, out: kept };
    });
  }

  /**
   * project() for `x` given as views (AdamW's update in its flat chunks): each shape group's stack is one range of a
   * chunk where the optimizer's order puts it (flat-layout.ts), so it is cut out whole rather than stacked from
   * per-variable tensors, and the projected stacks are handed back as they are. Returns kept tensors, or `x` itself
   * when nothing is applied; `x` is not disposed.
   */
  projectViews(x: TensorViews, gate: SpfGate, apply = true): SubspaceViewProjection {
    const states = this.required();
    let measured: ProjectionScalars | undefined;
    // The scalars are kept inside projectStacks; the tidy returns the stacks.
    const outStacks = tf.tidy(() => {
      const r = this.projectStacks(states.map((s) => viewStack(x, s.layout)), gate, apply);
      measured = r.scalars;
      return r.outStacks ?? [];
    });
    if (!apply) return { ...measured!, out: x };
    const views = x.views.slice();
    states.forEach((s, n) => s.layout.indices.forEach((i, b) => (views[i] = { tensor: n, offset: b * s.layout.rows * s.layout.cols })));
    return { ...measured!, out: { tensors: outStacks, views } };
  }

  /** The gate's sums and, with `apply`, the projection of every group's stack (inside the caller's tidy). */
  private projectStacks(stacks: readonly tf.Tensor3D[], gate: SpfGate, apply: boolean): { scalars: ProjectionScalars; outStacks: tf.Tensor3D[] | undefined } {
    const states = this.required();
    const selector = this.totalsSelector();
    const sums = states.map((s, n) => gateSums(stacks[n]!, s.gs, s.U, { k: s.layout.k, side: s.layout.side }));
    // Σ over every block of every group of ⟨X, G_s⟩, ‖X‖², ‖G_s‖² and the direction dots: one concat of all the sums and
    // one product with a fixed selector, instead of a slice per column and a sum per group.
    const allSums = tf.concat(sums.map((t) => tf.reshape(t, [1, -1])), 1);
    const [dot, normSq, gsNormSq, directionSum] = tf.unstack(tf.reshape(tf.matMul(allSums, selector), [4])) as [tf.Scalar, tf.Scalar, tf.Scalar, tf.Scalar];
    // The per-block columns, only for the gates that read them ('always' reads none).
    const views = gate === 'always' ? undefined : states.map((s, n) => unpackGateSums(sums[n]!, s.layout.k));
    const removed: tf.Tensor[] = [];
    const removedDots: tf.Tensor[] = [];
    const outStacks = !apply
      ? undefined
      : states.map((s, n) => {
          const v = views?.[n];
          const projected = project(stacks[n]!, s.U, v === undefined ? undefined : { globalDot: dot, dots: v.dots, dirDots: v.dirDots }, { k: s.layout.k, side: s.layout.side, mode: gate });
          removed.push(projected.removedSq);
          if (v !== undefined) removedDots.push(tf.sum(tf.mul(v.dirDots, firedDirections(gate, dot, v))));
          return projected.out as tf.Tensor3D;
        });
    const total = (parts: tf.Tensor[]): tf.Scalar => tf.sum(tf.concat(parts.map((p) => tf.reshape(p, [-1])))) as tf.Scalar;
    // Σ of the fired directions' dots; 'always' fires every direction, so that is all of them.
    const firedDots = !apply ? undefined : views === undefined ? directionSum : total(removedDots);
    const removedSq = removed.length === 0 ? tf.scalar(0) : total(removed);
    const scalars: ProjectionScalars = {
      dot: tf.keep(dot),
      // From the dots, with no further pass over the blocks (U orthonormal): the removed part is Σ_{i fires} a_i u_i, so
      // ⟨out, G_s⟩ = ⟨x, G_s⟩ − Σ_{i fires} dirDots_i and ‖out‖² = ‖x‖² − ‖removed‖².
      outDot: tf.keep(firedDots === undefined ? tf.clone(dot) : (tf.sub(dot, firedDots) as tf.Scalar)),
      normSq: tf.keep(normSq),
      outNormSq: tf.keep(tf.relu(tf.sub(normSq, removedSq)) as tf.Scalar),
      gsNormSq: tf.keep(gsNormSq),
      removedSq: tf.keep(removedSq),
      gateRate: tf.keep(gateRate(gate, dot, views ?? [])),
    };
    return { scalars, outStacks };
  }

  /**
   * [Σ_groups nb·(3 + k), 4]: maps every group's gateSums, flattened and concatenated, to (⟨X, G_s⟩, ‖X‖², ‖G_s‖²,
   * Σ direction dots). Fixed by the layouts, so built once.
   */
  private totalsSelector(): tf.Tensor2D {
    if (this.selector === undefined) {
      const rows = this.layouts.reduce((n, l) => n + l.indices.length * (3 + l.k), 0);
      const m = new Float32Array(rows * 4);
      let r = 0;
      for (const l of this.layouts) {
        for (let b = 0; b < l.indices.length; b++) for (let c = 0; c < 3 + l.k; c++, r++) m[r * 4 + Math.min(c, 3)] = 1;
      }
      // Kept: first built inside a projection's tidy.
      this.selector = tf.keep(tf.tensor2d(m, [rows, 4]));
    }
    return this.selector;
  }

  dispose(): void {
    for (const s of this.states ?? []) disposeState(s);
    this.states = undefined;
    this.energy?.dispose();
    this.energy = undefined;
    this.selector?.dispose();
    this.selector = undefined;
  }

  private required(): GroupState[] {
    if (this.states === undefined) throw new Error('SafetySubspace used before refresh(): no safety gradients yet');
    return this.states;
  }
}

/**
 * A group's blocks [nb, rows, cols] out of views: one slice (none where the group is the whole tensor) when they sit
 * side by side in one tensor in the group's order, as in the optimizer's chunks; else stacked block by block.
 */
function viewStack(x: TensorViews, layout: BlockGroupLayout): tf.Tensor3D {
  const size = layout.rows * layout.cols;
  const first = x.views[layout.indices[0]!]!;
  const contiguous = layout.indices.every((i, b) => x.views[i]!.tensor === first.tensor && x.views[i]!.offset === first.offset + b * size);
  if (!contiguous) return tf.stack(layout.indices.map((i) => viewTensor(x, i, [layout.rows, layout.cols]))) as tf.Tensor3D;
  return viewRange(x.tensors[first.tensor]!, first.offset, [layout.indices.length, layout.rows, layout.cols]) as tf.Tensor3D;
}

/** [nb, k] 1 where the gate removes direction i of block b, else 0 (SPF.md step 4; the kernels' gateFires). */
function firedDirections(gate: SpfGate, dot: tf.Scalar, d: GateDotsResult): tf.Tensor2D {
  const ones = tf.onesLike(d.dirDots);
  switch (gate) {
    case 'always':
      return ones;
    case 'global':
      return tf.mul(ones, tf.cast(tf.less(dot, 0), 'float32'));
    case 'block':
      return tf.mul(ones, tf.expandDims(tf.cast(tf.less(d.dots, 0), 'float32'), 1));
    case 'direction':
      return tf.cast(tf.less(d.dirDots, 0), 'float32') as tf.Tensor2D;
  }
}

function gateRate(gate: SpfGate, dot: tf.Scalar, dots: readonly GateDotsResult[]): tf.Scalar {
  const negativeShare = (parts: tf.Tensor[]): tf.Scalar => tf.mean(tf.cast(tf.less(tf.concat(parts.map((p) => tf.reshape(p, [-1]))), 0), 'float32')) as tf.Scalar;
  switch (gate) {
    case 'always':
      return tf.scalar(1);
    case 'global':
      return tf.cast(tf.less(dot, 0), 'float32') as tf.Scalar;
    case 'block':
      return negativeShare(dots.map((d) => d.dots));
    case 'direction':
      return negativeShare(dots.map((d) => d.dirDots));
  }
}

function disposeState(s: GroupState): void {
  for (const t of new Set([s.basis, s.U, s.gs, s.sigma, s.normSq])) t.dispose();
}
