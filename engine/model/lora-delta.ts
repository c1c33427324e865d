import * as tf from '@tensorflow/tfjs';
import { matMulTransposedB } from './frozen-matmul';

/**
 * LoRA's update to a projection: scale · (x Aᵀ) Bᵀ, x [N, in], A [r, in], B [out, r] → [N, out].
 *
 * The backward pass forms what autodiff forms from tf.matMul(·, ·, false, true) (dx = dh·A, dA = dhᵀ·x,
 * dB = dyᵀ·down, with dh = scale · dy·B); the forward pass differs on WebGPU only, where it multiplies by transposed
 * copies of A and B (r × in and out × r: tiny), by matMulTransposedB's rule for the frozen weights, because
 * tfjs-webgpu's matmul loses its vec4 path on a transposed B (x·Aᵀ at [1024, 128]·[16, 128]ᵀ on lavapipe: 6.4 ms vs
 * 3.6 ms). Autodiff through those copies would put the transposed-B matmuls back into the backward pass, hence the
 * custom gradient. The scale multiplies the narrow [N, r] intermediate, not the [N, out] result: r/out of the
 * elementwise work.
 */
export function loraDelta(x: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, scale: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, A, B] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const save = args[3] as tf.GradSaveFunc;
    const down = tf.tidy(() => tf.mul(matMulTransposedB(input, A), scale)) as tf.Tensor2D; // [N, r]
    const value = matMulTransposedB(down, B); // [N, out]
    save([input, A, B, down]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, As, Bs, downs] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      const dh = tf.tidy(() => tf.mul(tf.matMul(g, Bs), scale)) as tf.Tensor2D; // [N, r]
      const grads = [tf.matMul(dh, As), tf.matMul(dh, xs, true, false), tf.matMul(g, downs, true, false)]; // dx, dA, dB
      dh.dispose();
      return grads;
    };
    return { value, gradFunc };
  });
  return f(x, a, b) as tf.Tensor2D;
}
