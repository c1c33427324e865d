import * as tf from '@tensorflow/tfjs';
import { stridedMatMul } from '../kernels/strided-matmul';
import { isTrainable } from '../util/trainable';
import { weightCopyAllowed } from './frozen-matmul';

/**
 * What a dispatch saved is worth, in multiply-adds per unit of rank: on lavapipe a small kernel costs ~0.2 ms whatever
 * it does (a 48-token anchor pass: 591 dispatches, 107 ms), what 2^15·r multiply-adds take at its ~4 GFLOP/s; on a
 * discrete GPU a dispatch is worth far more arithmetic still.
 */
const DISPATCH_MACS_PER_RANK = 2 ** 15;

/**
 * Whether a LoRA projection of `rows` rows runs merged (mergedLoraLinear) rather than as a frozen product plus
 * loraDelta. Merging costs two weight-sized rank-r products (2·in·out·r multiply-adds) and saves two
 * activation-sized ones (rows·(in + out)·r) and four dispatches (a scale and an add each way): it pays for every
 * training batch, and for a short safety anchor or a decode step only on a small model. WebGPU only: what it saves
 * (the rank-r products' low rate there, the dispatches) was measured there; cpu and wasm keep the unmerged ops,
 * unmeasured merged. Within the transposed copy's byte bound, and for a frozen W (the demo build trains W itself).
 */
export function mergePays(rows: number, w: tf.Tensor2D): boolean {
  const [out, inp] = w.shape;
  const pays = 2 * inp * out <= rows * (inp + out) + 4 * DISPATCH_MACS_PER_RANK;
  return pays && weightCopyAllowed(w) && !isTrainable(w);
}

/**
 * x·Wᵀ + s·(x·Aᵀ)·Bᵀ computed as x·(W + s·B·A)ᵀ: x [N, in], frozen W [out, in], A [r, in], B [out, r] → [N, out],
 * with gradients to x, A and B.
 *
 * Unmerged, LoRA costs four rank-r products the size of the activations (x·Aᵀ, its ·Bᵀ, and two in the backward
 * pass) plus two adds, and tfjs-webgpu runs rank-r products at half its matmul rate or less. Merged, the forward pass is
 * one weight-sized kernel that writes W + s·B·A already transposed (the frozen path's transposed copy, with the
 * merge folded in) and one full matmul; the backward pass merges again (the untransposed layout) for dx = dy·(W + s·B·A)
 * and computes A's and B's gradients with the strided kernel:
 *   dA = dhᵀ·x with dh = s·dy·B,   dB = s·dyᵀ·(x·Aᵀ).
 * Nothing is kept between the passes but x, A and B; each merged weight is transient, like the transposed copy.
 */
export function mergedLoraLinear(x: tf.Tensor2D, w: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, scale: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, A, B] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    (args[3] as tf.GradSaveFunc)([input, A, B]);
    const value = tf.tidy(() => tf.matMul(input, mergedWeightT(w, A, B, scale)));
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => tf.tidy(() => {
      const [xs, As, Bs] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      const merged = mergedWeight(w, As, Bs, scale);
      const dh = stridedMatMul(g, Bs, { alpha: scale }); // [N, r]
      const down = stridedMatMul(xs, As, { transposeB: true }); // [N, r]
      return [
        tf.matMul(g, merged), // dx
        stridedMatMul(dh, xs, { transposeA: true }), // dA [r, in]
        stridedMatMul(g, down, { transposeA: true, alpha: scale }), // dB [out, r]
      ];
    });
    return { value, gradFunc };
  });
  return f(x, a, b) as tf.Tensor2D;
}

/** (W + s·B·A)ᵀ [in, out] in one kernel: the frozen path's transposed copy with the merge folded in. */
export function mergedWeightT(w: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, scale: number): tf.Tensor2D {
  return stridedMatMul(a, b, { transposeA: true, transposeB: true, alpha: scale, addend: w, transposeAddend: true });
}

/** W + s·B·A [out, in] in one kernel (the backward pass's dx = dy·(W + s·B·A)). */
export function mergedWeight(w: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, scale: number): tf.Tensor2D {
  return stridedMatMul(b, a, { alpha: scale, addend: w });
}
