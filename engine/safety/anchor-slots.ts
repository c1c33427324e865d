import * as tf from '@tensorflow/tfjs';

/**
 * The value-less gradient slots of a batched anchor pass on WebGPU (engine/model/shared-group-lora.ts): per adapter
 * module an A slot [G·r, in] and a B slot [out, G·r], by the pass's group count G. Their values are never read, so they
 * are made once and kept (a SafetyProjector's lifetime) instead of G copies of every LoRA matrix concatenated at every
 * refresh — one dispatch per adapter tensor a refresh, hundreds at a real model's layer count.
 */
export class AnchorSlots {
  private readonly byGroups = new Map<number, tf.Tensor2D[]>();

  /** Slots for `groups` groups, aligned with `modules` ([A slot, B slot] each, as adapter.variables() orders A, B). */
  get(groups: number, modules: readonly { A: tf.Tensor2D; B: tf.Tensor2D }[]): tf.Tensor2D[] {
    let slots = this.byGroups.get(groups);
    if (slots === undefined) {
      slots = modules.flatMap((m) => [tf.zeros([groups * m.A.shape[0], m.A.shape[1]]), tf.zeros([m.B.shape[0], groups * m.B.shape[1]])] as tf.Tensor2D[]);
      this.byGroups.set(groups, slots);
    }
    return slots;
  }

  /** Tensors held. */
  count(): number {
    return [...this.byGroups.values()].reduce((n, slots) => n + slots.length, 0);
  }

  dispose(): void {
    for (const slots of this.byGroups.values()) tf.dispose(slots);
    this.byGroups.clear();
  }
}
