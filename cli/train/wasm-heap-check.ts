import * as tf from '@tensorflow/tfjs';
import { estimateTrainingMemory, runSizeOf, WASM_HEAP_MAX_BYTES } from '../../app/model/memory-estimate';
import { parseModelShape } from '../../app/model/model-shape';
import type { RunConfig } from '../../engine/run/run-types';
import type { SafetyPair } from '../../engine/safety/spf-options';
import { wholeMiB } from '../../engine/device/wasm-abort';

/**
 * A warning for a run about to train on tfjs-wasm whose memory the app's estimate puts past the module's 4 GiB
 * ceiling: such a run aborts once its heap is full — Qwen2.5-0.5B's shape after 8.5 minutes of set-up and baseline
 * evaluation here — so the user hears it before the weights load. A warning, not a refusal: the estimate is
 * deliberately pessimistic (SmolLM2-135M at 1 × 256 trained with a 3,697 MiB heap against an estimate of 4,567).
 */
export function wasmHeapWarning(configJson: string, config: RunConfig, anchors: readonly SafetyPair[]): string | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const unbounded = { backend: 'wasm', maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity, budgetBytes: Infinity } as const;
  const estimate = estimateTrainingMemory(parseModelShape(configJson), runSizeOf(config, anchors), unbounded);
  if (estimate.bytes.total <= WASM_HEAP_MAX_BYTES) return undefined;
  return (
    `this run needs about ${wholeMiB(estimate.bytes.total)} MiB on tfjs-wasm by the app's estimate (of it ${wholeMiB(estimate.bytes.kernelCopies)} for the matrix kernels' copies of the weights), ` +
    `past the 4 GiB a WebAssembly module can hold: it will likely abort. Use --backend webgpu, a smaller model, or a smaller --batch / --max-length`
  );
}
