import * as tf from '@tensorflow/tfjs';

/**
 * Where each adapter variable lives in the optimizer's flat vectors. The optimizer keeps its moments, and forms its
 * update, as a few long vectors ("chunks") rather than one tensor per variable: a LoRA adapter has hundreds of small
 * tensors (420 at SmolLM2's 30 layers), and on a GPU each per-tensor op is a dispatch whose cost does not depend on
 * its size — the step is bound by their number, not by arithmetic (README, "On a real GPU"). Multi-tensor optimizers
 * (apex's multi_tensor_apply, torch's foreach / fused AdamW) flatten for the same reason.
 *
 * Variables are ordered by shape, each shape's in adapter order, with the shapes in order of first appearance: the
 * order in which SPF stacks its blocks (safety/spf-groups.ts), so each of SPF's stacks is one contiguous range of a
 * chunk and needs no gather. A chunk ends where the next variable would take its packed moments (2 × its elements ×
 * 4 bytes) past `maxBindingBytes`.
 */
export interface FlatSlot {
  chunk: number;
  offset: number; // first element in the chunk
  size: number;
}

export interface FlatLayout {
  /** By variable index (adapter order). */
  slots: FlatSlot[];
  /** Per chunk, its variables in chunk order. */
  chunkVars: number[][];
  /** Per chunk, its number of elements. */
  chunkSizes: number[];
}

/**
 * The variables' indices by shape: shapes in order of first appearance, each shape's indices in ascending order. The
 * one grouping both the optimizer's chunks and SPF's stacks (safety/spf-groups.ts) use, so that each of SPF's stacks
 * is a contiguous range of a chunk.
 */
export function shapeGroups(shapes: readonly (readonly number[])[]): { shape: readonly number[]; indices: number[] }[] {
  const byShape = new Map<string, { shape: readonly number[]; indices: number[] }>();
  shapes.forEach((shape, i) => {
    const key = shape.join('x');
    const group = byShape.get(key);
    if (group === undefined) byShape.set(key, { shape, indices: [i] });
    else group.indices.push(i);
  });
  return [...byShape.values()];
}

export function flatLayout(shapes: readonly (readonly number[])[], maxBindingBytes: number): FlatLayout {
  const maxElements = Math.max(1, Math.floor(maxBindingBytes / 8));
  const slots: FlatSlot[] = new Array<FlatSlot>(shapes.length);
  const chunkVars: number[][] = [];
  const chunkSizes: number[] = [];
  for (const { indices } of shapeGroups(shapes)) {
    for (const i of indices) {
      const size = shapes[i]!.reduce((a, b) => a * b, 1);
      const last = chunkSizes.length - 1;
      if (last < 0 || (chunkSizes[last]! > 0 && chunkSizes[last]! + size > maxElements)) {
        chunkVars.push([]);
        chunkSizes.push(0);
      }
      const c = chunkSizes.length - 1;
      slots[i] = { chunk: c, offset: chunkSizes[c]!, size };
      chunkVars[c]!.push(i);
      chunkSizes[c]! += size;
    }
  }
  return { slots, chunkVars, chunkSizes };
}

/** Every variable's tensor, flattened into the layout's chunks (one concat per chunk). */
export function flatten(layout: FlatLayout, xs: readonly tf.Tensor[]): tf.Tensor1D[] {
  return tf.tidy(() =>
    layout.chunkVars.map((vars) => (vars.length === 1 ? tf.reshape(xs[vars[0]!]!, [-1]) : tf.concat(vars.map((i) => tf.reshape(xs[i]!, [-1])))) as tf.Tensor1D),
  );
}

/**
 * One tensor per adapter variable, each given as a range of a larger tensor: variable i is elements [offset, offset +
 * its size) of `tensors[views[i].tensor]`, in its own row-major order. The optimizer's update is handed to SPF, and
 * back, in this form, so neither side cuts it into per-variable tensors (a dispatch each on WebGPU).
 */
export interface TensorViews {
  tensors: tf.Tensor[];
  views: { tensor: number; offset: number }[];
}

/** The views of a flat layout's chunks. */
export function chunkViews(layout: FlatLayout, chunks: tf.Tensor[]): TensorViews {
  return { tensors: chunks, views: layout.slots.map((s) => ({ tensor: s.chunk, offset: s.offset })) };
}

/** Variable i's tensor, of `shape`, cut out of its view (viewRange). */
export function viewTensor(x: TensorViews, i: number, shape: readonly number[]): tf.Tensor {
  const { tensor, offset } = x.views[i]!;
  return viewRange(x.tensors[tensor]!, offset, shape);
}

/**
 * Elements [offset, offset + size of `shape`) of `source` in row-major order, as a tensor of `shape`: a new tensor, a
 * reshape without a copy where the range is the whole of `source`, else one slice.
 */
export function viewRange(source: tf.Tensor, offset: number, shape: readonly number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const flat = tf.reshape(source, [-1]);
    return tf.reshape(offset === 0 && size === source.size ? flat : tf.slice(flat, [offset], [size]), [...shape]);
  });
}
