import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from '../model/causal-lm';
import { meanNll, meanNllPerGroup } from '../model/loss';
import { groupMask, type PerGroupLora } from '../model/per-group-lora';
import type { TokenizedExample } from '../data/types';
import { toBatch } from '../train/batcher';
import { isWebGPUActive } from '../kernels/webgpu-compat';
import { AnchorSlots } from './anchor-slots';
import type { StackedGradients } from './safety-subspace';

/**
 * The most anchors one batched pass holds (a group larger than this still gets one pass of its own). A pass also holds
 * no more padded tokens than the run's training batch (`tokenBudget`), so its activations stay within what a training
 * step already holds: at batch 1 × 128 a pass of 8 anchors of 48 tokens would hold three times the step's.
 */
export const ANCHORS_PER_BATCH = 8;

/** One gradient per group of anchors, side by side per adapter variable, and the sum of the groups' safety losses. */
export interface AnchorGradients {
  stacked: StackedGradients; // lora_A's stacked by rows [G·r, in], lora_B's by columns [out, G·r]
  lossSum: tf.Scalar; // Σ over groups of the group's mean refusal-token NLL
}

/**
 * Each anchor group's safety gradient with respect to the adapter (SPF.md step 2), several groups per backward pass:
 * the pass runs its groups' anchors as one batch with a copy of every LoRA matrix per group
 * (ForwardOptions.perGroupLora), so the gradient of the summed losses with respect to copy g is group g's gradient
 * alone. One pass instead of one per anchor: the same arithmetic in a few wide kernels instead of many narrow ones. A
 * group's loss is the token-weighted mean over its anchors, what a batch of them alone gives. `pace` runs after each
 * pass (the step's read-back pacer): once enough work is queued it reads the pass's loss back, and the await gives the
 * WebGPU host the event-loop turn it needs to release the passes' bind groups (at the SmolLM2-135M shape a step's
 * anchors, step and subspace otherwise ran in one synchronous stretch and exhausted Mesa's memory mappings); a small
 * model's anchors ride on the step's closing read-back instead. The gradients come side by side as the pass computes them, which is along the
 * rank: the stack SafetySubspace needs, with no copy. They are new tensors; the caller disposes them.
 */
export async function anchorGroupGradients(
  model: CausalLM,
  groups: readonly (readonly TokenizedExample[])[],
  padId: number,
  pace: (t: tf.Tensor) => Promise<void>,
  tokenBudget = Infinity,
  slots?: AnchorSlots,
): Promise<AnchorGradients> {
  const adapter = model.adapter;
  if (adapter === undefined) throw new Error('anchorGroupGradients: the model has no adapter');
  const modules = adapter.modules();
  const r = adapter.config.r;
  const passGrads: tf.Tensor2D[][] = []; // [pass][variable]
  const sums: tf.Scalar[] = [];
  // On WebGPU every group computes with the adapter's own matrices and value-less slots take the groups' gradients
  // (shared-group-lora.ts: the adapter's fused forward pass); elsewhere the groups get copies of the matrices.
  const shared = isWebGPUActive() ? { scale: adapter.scale, modules: new Map(modules.map((m) => [m.path, { A: m.A, B: m.B }])) } : undefined;
  const ownSlots = shared !== undefined && slots === undefined ? new AnchorSlots() : undefined;
  try {
    for (const pass of batchGroups(groups, tokenBudget, (e) => e.ids.length)) {
      const g = pass.length;
      const sizes = pass.map((group) => group.length);
      const examples = pass.flat();
      const batch = toBatch(examples, Math.max(...examples.map((e) => e.ids.length)), padId);
      if (g === 1) {
        // One group: the adapter's own forward pass (its fused paths) and its variables' gradients are the group's.
        const vars = adapter.variables();
        const { value, grads } = tf.variableGrads(() => meanNll(model, batch), vars);
        passGrads.push(vars.map((v) => grads[v.name] as tf.Tensor2D));
        sums.push(value);
        await pace(value);
        continue;
      }
      // Group copies side by side along the rank: A's stacked by rows [G·r, in], B's by columns [out, G·r]
      // (concat, not tile: tfjs-wasm's Tile took ~9× as long here); or, on WebGPU, slots of those shapes.
      const inputs = shared !== undefined
        ? (slots ?? ownSlots)!.get(g, modules)
        : tf.tidy(() => modules.flatMap((m) => [tf.concat(Array(g).fill(m.A), 0), tf.concat(Array(g).fill(m.B), 1)] as tf.Tensor2D[]));
      // Groups of one size on the shared path need no mask (the strided kernel's blocks: shared-group-lora.ts).
      const equal = shared !== undefined && sizes.every((n) => n === sizes[0]);
      const mask = equal ? undefined : groupMask(sizes, batch.seqLen, r, adapter.scale);
      try {
        const { value, grads: perCopy } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
          const lora: PerGroupLora = {
            ...(mask === undefined ? { groupRows: sizes[0]! * batch.seqLen } : { mask }),
            modules: new Map(modules.map((m, i) => [m.path, { A: xs[2 * i] as tf.Tensor2D, B: xs[2 * i + 1] as tf.Tensor2D }])),
            ...(shared === undefined ? {} : { shared }),
          };
          return tf.sum(meanNllPerGroup(model, batch, sizes, { perGroupLora: lora })) as tf.Scalar;
        })(inputs);
        passGrads.push(perCopy as tf.Tensor2D[]);
        sums.push(value);
        await pace(value);
      } finally {
        tf.dispose([...(shared !== undefined ? [] : inputs), ...(mask === undefined ? [] : [mask])]);
      }
    }
  } catch (err) {
    tf.dispose([...passGrads.flat(), ...sums]);
    throw err;
  } finally {
    ownSlots?.dispose();
  }
  const axes = modules.flatMap((): (0 | 1)[] => [0, 1]);
  const grads = passGrads.length === 1 ? passGrads[0]! : axes.map((axis, i) => tf.concat(passGrads.map((p) => p[i]!), axis) as tf.Tensor2D);
  const lossSum = sums.length === 1 ? sums[0]! : (tf.addN(sums) as tf.Scalar);
  if (passGrads.length > 1) tf.dispose([...passGrads.flat(), ...sums]);
  return { stacked: { grads, axes, groups: groups.length }, lossSum };
}

/**
 * Consecutive groups packed into passes of at most ANCHORS_PER_BATCH anchors and at most `tokenBudget` padded tokens
 * (anchors × the pass's longest, `length` of each); a group over either bound gets a pass of its own.
 */
export function batchGroups<T>(groups: readonly (readonly T[])[], tokenBudget = Infinity, length: (item: T) => number = () => 1): (readonly T[])[][] {
  const passes: (readonly T[])[][] = [];
  let current: (readonly T[])[] = [];
  let size = 0;
  let longest = 0;
  for (const group of groups) {
    const groupLongest = Math.max(0, ...group.map(length));
    const grown = size + group.length;
    if (current.length > 0 && (grown > ANCHORS_PER_BATCH || grown * Math.max(longest, groupLongest) > tokenBudget)) {
      passes.push(current);
      current = [];
      size = 0;
      longest = 0;
    }
    current.push(group);
    size += group.length;
    longest = Math.max(longest, groupLongest);
  }
  if (current.length > 0) passes.push(current);
  return passes;
}
