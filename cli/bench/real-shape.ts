import * as tf from '@tensorflow/tfjs';
import { LoraAdapter } from '../../engine/model/lora';
import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora-config';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import { deviceBindingLimit } from '../../engine/device/binding-limit';
import { vocabChunks } from '../../engine/model/vocab-chunks';
import { wasmHeapBytes } from '../../engine/device/wasm-abort';
import { estimateTrainingMemory } from '../../app/model/memory-estimate';
import { LORA_TARGET_NAMES, parseModelShape } from '../../app/model/model-shape';
import { benchModel, plainStepFlops, type BenchShape } from './bench-model';
import { benchSteps, randomRows } from './steps';


export interface RealShapeResult {
  model: string;
  tokens_per_step: number;
  vocab_chunks: number;
  plain_step_ms: number;
  spf_step_ms: number;
  spf_step_over_plain: number;
  spf_anchors_folded: boolean; // whether SPF's anchors rode in the step's first micro-batch (SafetyProjector's shouldFold)
  plain_tokens_per_s: number;
  spf_tokens_per_s: number;
  train_step_gflops: number;
  peak_tensor_bytes: number; // tf.profile's peak: counts a saved-for-backward clone as new bytes, so it overstates
  backend_peak_bytes: number | null; // what the backend really holds after the step: WebGPU's allocated buffer pool, the wasm heap (both only grow)
  estimate_total_bytes: number; // the app's memory estimate for the same run
  peak_over_estimate: number; // backend_peak_bytes (else peak_tensor_bytes) / estimate_total_bytes
}

/** Bytes the backend holds at its high-water mark: WebGPU's buffer pool keeps freed buffers, the wasm heap never shrinks. */
export function backendPeakBytes(): number | null {
  const backend = tf.getBackend();
  if (backend === 'webgpu') return (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU ?? null;
  if (backend === 'wasm') return wasmHeapBytes() ?? null;
  return null;
}

/**
 * One model at its exact HF shape with random weights: median plain and SPF step times (tokens/s), the FLOP rate,
 * and the peak tensor memory of one plain step measured by tf.profile against the app's estimate for the same run.
 * `hf` is REAL_SHAPES[name], or it with fewer decoder layers (`--layers`).
 */
export async function benchRealShape(name: string, hf: Record<string, unknown>, batch: number, seqLen: number, steps: { warmup: number; measured: number; anchors?: number }, say: (s: string) => void): Promise<RealShapeResult> {
  const shape: BenchShape = { name, hf, batch, seqLen, anchorLen: Math.min(48, seqLen), loraR: DEFAULT_LORA_CONFIG.r };
  const t0 = performance.now();
  const model = await benchModel(shape);
  const chunks = vocabChunks(model.weights.embedTokens).length;
  say(`${name}: random weights in the exact shape ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; embedding in ${chunks} vocabulary chunk(s) under a ${deviceBindingLimit()}-byte binding`);

  // The peak of one plain step, profiled apart from the timed steps (profiling slows kernels down).
  const adapter = LoraAdapter.init(model.config, { ...DEFAULT_LORA_CONFIG }, 3);
  model.adapter = adapter;
  const trainer = new Trainer(model, randomRows(batch, seqLen, model.config.vocabSize, 5, seqLen / 2), [], resolveTrainOptions({ maxSteps: 1, batchSize: batch, maxLength: seqLen }), 0);
  const profile = await tf.profile(async () => {
    await trainer.trainStep();
  });
  const backendPeak = backendPeakBytes();
  trainer.dispose();
  adapter.dispose();
  model.adapter = undefined;

  const timing = await benchSteps(model, shape, steps);
  for (const b of timing.safetyBlocks) b.dispose();
  const tokens = batch * seqLen;
  const flops = plainStepFlops(model.config, batch, seqLen, timing.labelledRowsPerStep);
  model.dispose();
  const limit = deviceBindingLimit();
  const estimate = estimateTrainingMemory(
    parseModelShape(JSON.stringify(hf)),
    { batchSize: batch, maxLength: seqLen, loraRank: DEFAULT_LORA_CONFIG.r, loraTargets: LORA_TARGET_NAMES, spf: undefined, compareWithPlain: false },
    { backend: tf.getBackend() === 'webgpu' ? 'webgpu' : 'wasm', maxBufferSize: limit, maxStorageBufferBindingSize: limit, budgetBytes: Infinity },
  );
  return {
    model: name,
    tokens_per_step: tokens,
    vocab_chunks: chunks,
    plain_step_ms: timing.plainMs,
    spf_step_ms: timing.spfMs,
    spf_step_over_plain: timing.ratio,
    spf_anchors_folded: timing.folded,
    plain_tokens_per_s: tokens / (timing.plainMs / 1000),
    spf_tokens_per_s: tokens / (timing.spfMs / 1000),
    train_step_gflops: flops / (timing.plainMs * 1e6),
    peak_tensor_bytes: profile.peakBytes,
    backend_peak_bytes: backendPeak,
    estimate_total_bytes: estimate.bytes.total,
    peak_over_estimate: (backendPeak ?? profile.peakBytes) / estimate.bytes.total,
  };
}
