import * as tf from '@tensorflow/tfjs';

/**
 * The dispatchers' bridge to the references on a non-WebGPU backend. tensorToHost is a sync point on a GPU backend;
 * the dispatchers use it only off WebGPU, where (tfjs-cpu) the data already lives on the host.
 */
export function tensorToHost(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** float64 reference results → float32 tensors (tfjs has no float64). */
export function hostToTensor<T extends tf.Tensor>(data: Float64Array, shape: number[]): T {
  return tf.tensor(Float32Array.from(data), shape, 'float32') as T;
}
