import * as tf from '@tensorflow/tfjs';

/**
 * tfjs's WebAssembly backend (XNNPACK, SIMD) for the demo build. On the 2-core build machine it trains this tiny
 * model 2–3× faster than WebGPU on a software adapter (measured: 154 vs 65 tokens/s at batch 32 on a machine with a
 * load of ~16; 237 tokens/s at batch 64), because its ops run on the CPU directly, without a software GPU between.
 *
 * It lacks one kernel the training needs: UnsortedSegmentSum, the gradient of the embedding lookup (tf.gather).
 * It is registered here as a plain loop on the wasm heap — a sum of the upstream rows into their token's row — which
 * tfjs-cpu's kernel computes the same way (a test holds it to that).
 */
export async function selectWasmBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') === undefined) tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum });
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise; build with --backend webgpu instead');
  await tf.ready();
}

/** The parts of tfjs-backend-wasm's BackendWasm this kernel uses (its class is not exported from the package root). */
interface WasmHeap {
  readSync(dataId: unknown): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array;
}

/** out[s, ...] = Σ over i with segmentIds[i] = s of x[i, ...] (segment ids outside [0, numSegments) are dropped). */
const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
  if (x.dtype !== 'float32') throw new Error(`UnsortedSegmentSum (wasm): float32 input expected, got ${x.dtype}`);
  const heap = backend as unknown as WasmHeap;
  const values = heap.readSync(x.dataId) as Float32Array;
  const ids = heap.readSync(segmentIds.dataId) as Int32Array;
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const inner = rowShape.reduce((a, b) => a * b, 1);
  const out = heap.makeOutput([numSegments, ...rowShape], 'float32');
  const sums = heap.typedArrayFromHeap(out) as Float32Array;
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    for (let k = 0, src = i * inner, dst = s * inner; k < inner; k++) sums[dst + k]! += values[src + k]!;
  }
  return out;
};
