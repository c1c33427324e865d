import * as tf from '@tensorflow/tfjs';

/** The part of a GPUDevice's limits that bounds one tensor (typed structurally: the engine builds without DOM types). */
interface DeviceWithLimits {
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}

/**
 * The largest tensor, in bytes, the current backend can bind to one kernel: on WebGPU the device's
 * `maxStorageBufferBindingSize` (and `maxBufferSize`), elsewhere unbounded. Read from the live device, so it is
 * whatever the adapter granted (128 MiB on lavapipe and many integrated GPUs, 1–4 GiB on discrete ones).
 */
export function deviceBindingLimit(): number {
  const device = (tf.backend() as unknown as { device?: Partial<DeviceWithLimits> }).device;
  const limits = device?.limits;
  if (limits === undefined) return Infinity;
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

/**
 * The most logits the training loss materialises at once (a [rows, vocab-chunk] tile), whatever the vocabulary: the
 * loss walks tiles of this size in its forward and backward passes. 32 MiB keeps a 150k vocabulary's loss within
 * reach of any GPU while each tile still holds ~1000 rows × 8k tokens.
 */
export const LOGITS_TILE_BYTES = 32 * 1024 * 1024;
