import * as tf from '@tensorflow/tfjs';

/**
 * Keys and values of the positions seen so far, per layer, for incremental decoding. The tensors are kept out of
 * tidy scopes; `append` replaces a layer's entry and disposes the old one.
 */
export class KvCache {
  private readonly keys: (tf.Tensor4D | undefined)[];
  private readonly values: (tf.Tensor4D | undefined)[];
  private pending = 0;
  /** Number of positions already cached (the offset of the next call's first token). */
  length = 0;

  constructor(numLayers: number) {
    this.keys = new Array<tf.Tensor4D | undefined>(numLayers).fill(undefined);
    this.values = new Array<tf.Tensor4D | undefined>(numLayers).fill(undefined);
  }

  /** Appends this call's k / v [B, KV, T, D] for `layer`; returns the full [B, KV, length + T, D]. */
  append(layer: number, k: tf.Tensor4D, v: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
    const oldK = this.keys[layer];
    const oldV = this.values[layer];
    const fullK = oldK ? tf.concat([oldK, k], 2) : k;
    const fullV = oldV ? tf.concat([oldV, v], 2) : v;
    this.keys[layer] = tf.keep(fullK.clone());
    this.values[layer] = tf.keep(fullV.clone());
    oldK?.dispose();
    oldV?.dispose();
    this.pending = k.shape[2];
    return [fullK, fullV];
  }

  /** Called once after a forward pass: the positions it appended become part of the cache. */
  commit(): void {
    this.length += this.pending;
    this.pending = 0;
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.length = 0;
  }
}
