import * as tf from '@tensorflow/tfjs';

/** The slice of tfjs-backend-wasm's BackendWasm a host-side kernel needs. */
interface WasmBackendLike {
  incRef(dataId: object): void;
  disposeData(dataId: object): boolean;
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: ArrayLike<number>): tf.TensorInfo;
}

/**
 * UnsortedSegmentSum for the wasm backend, which lacks it: out[s] = Σ x[i] over the rows i with segmentIds[i] = s
 * (ids outside [0, numSegments) dropped, as TensorFlow does). It is the gradient of every tf.gather — the loss's row
 * pick, the embedding lookup — so without it LoRA gradients fail on wasm. Computed on the host from the wasm heap:
 * one pass over x, O(x.size), cheap next to the matmuls around it.
 */
function unsortedSegmentSum(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs['x']!;
  const segmentIds = args.inputs['segmentIds']!;
  const numSegments = args.attrs!['numSegments'] as number;
  const xv = backend.readSync(x.dataId);
  const ids = backend.readSync(segmentIds.dataId);
  const rows = ids.length;
  const inner = rows === 0 ? 0 : xv.length / rows;
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < rows; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] = out[dst + j]! + xv[src + j]!;
  }
  return backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype, undefined, out);
}

/**
 * Identity (tf.clone) sharing the input's memory, as tfjs-cpu and WebGPU do. tfjs-backend-wasm's own Identity copies,
 * and autodiff clones every input it saves for the backward pass: with it, each training step held a second copy of
 * every frozen weight it used (a 4-layer SmolLM2-shaped model: wasm heap 665 MiB after a step with the copy, 476 MiB
 * without, same loss). Tensors are immutable (a variable's assign swaps its data), so sharing is safe.
 */
function sharedIdentity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = args.inputs['x']!;
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

/**
 * BatchMatMul with its operands' transposes made explicit. tfjs-backend-wasm 4.22 runs a product with transposeA or
 * transposeB on a slow generic loop instead of XNNPACK: on this machine [344, 64]·[256, 64]ᵀ took 11.0 ms against
 * 1.2 ms for [344, 64]·[64, 256], and [64, 1024]ᵀ·[64, 256] 71 ms against 2.2 ms; a transpose and the fast product
 * together 1.6 / 2.5 ms. Autodiff writes every weight gradient as such a product (dW = dyᵀ·x), and HF's weights are
 * [out, in], so nearly every product of a training step was on the slow loop.
 */
function explicitTransposeBatchMatMul(matMul: tf.KernelFunc, transpose: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs): tf.TensorInfo => {
    const transposeA = args.attrs?.['transposeA'] === true;
    const transposeB = args.attrs?.['transposeB'] === true;
    if (!transposeA && !transposeB) return matMul(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    const temporaries: tf.TensorInfo[] = [];
    const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      const t = transpose({ inputs: { x }, attrs: { perm }, backend: args.backend } as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
      temporaries.push(t);
      return t;
    };
    const a = transposeA ? swapLastTwo(args.inputs['a']!) : args.inputs['a']!;
    const b = transposeB ? swapLastTwo(args.inputs['b']!) : args.inputs['b']!;
    try {
      return matMul({ inputs: { a, b }, attrs: { ...args.attrs, transposeA: false, transposeB: false }, backend: args.backend } as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    } finally {
      for (const t of temporaries) (args.backend as WasmBackendLike).disposeData(t.dataId);
    }
  }) as unknown as tf.KernelFunc;
}

let registered = false;

/** Registers the kernels training needs that tfjs-backend-wasm 4.22 lacks or implements with a copy. Idempotent. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc });
  if (tf.getKernel('Identity', 'wasm') !== undefined) tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharedIdentity as unknown as tf.KernelFunc });
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (matMul !== undefined && transpose !== undefined) {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ ...matMul, kernelFunc: explicitTransposeBatchMatMul(matMul.kernelFunc, transpose.kernelFunc) });
  }
}
