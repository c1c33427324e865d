import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, test } from 'vitest';
import { estimateTrainingMemory } from '../../app/model/memory-estimate';
import { LORA_TARGET_NAMES, parseModelShape } from '../../app/model/model-shape';
import { benchModel } from '../../cli/bench/bench-model';
import { backendPeakBytes } from '../../cli/bench/real-shape';
import { REAL_SHAPES } from '../../cli/real-shapes';
import { randomRows } from '../../cli/bench/steps';
import { deviceBindingLimit } from '../../engine/device/binding-limit';
import { LoraAdapter } from '../../engine/model/lora';
import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora-config';
import { resolveTrainOptions } from '../../engine/train/options';
import { Trainer } from '../../engine/train/trainer';
import { setBackend } from '../helpers/backend';
import { SafetyProjector } from '../../engine/safety/safety-projector';
import { resolveSpfOptions } from '../../engine/safety/spf-options';

// The app's memory estimate for a WebGPU run against what tfjs-webgpu really holds after two training steps on Dawn:
// numBytesAllocatedInGPU, every buffer it has created and not destroyed, its pool of freed buffers included (they stay
// the GPU's). Each case on a fresh backend, so no case inherits another's pool. Every token labelled, the estimate's
// own assumption. The estimate must not be below the measurement, and not absurdly above it.

// Every case sets its own layer count and vocabulary.
const SMOLLM2_LAYERS = REAL_SHAPES['smollm2-135m']!;
const QWEN_LAYERS = REAL_SHAPES['qwen2.5-0.5b']!;

afterAll(async () => {
  await setBackend('cpu');
});

const cases = [
  { name: "SmolLM2-135M's layers ×2, 1 × 64 tokens", hf: { ...SMOLLM2_LAYERS, num_hidden_layers: 2, vocab_size: 8000 }, batch: 1, seqLen: 64 },
  { name: "SmolLM2-135M's layers ×3, 2 × 128 tokens (activations dominate)", hf: { ...SMOLLM2_LAYERS, num_hidden_layers: 3, vocab_size: 4000 }, batch: 2, seqLen: 128 },
  { name: "Qwen2.5-0.5B's layers ×1, 1 × 128 tokens, a 32k vocabulary (logits dominate)", hf: { ...QWEN_LAYERS, num_hidden_layers: 1, vocab_size: 32000 }, batch: 1, seqLen: 128 },
  // SPF with its anchors folded into the step's first micro-batch (as it runs on a GPU): the batch's rows and the anchors'.
  { name: "SmolLM2-135M's layers ×3, 2 × 128 tokens, SPF with 2 anchors of 128 tokens folded in", hf: { ...SMOLLM2_LAYERS, num_hidden_layers: 3, vocab_size: 4000 }, batch: 2, seqLen: 128, anchors: 2 },
];

for (const c of cases) {
  test(c.name, async () => {
    tf.engine().reset(); // a new webgpu backend: a new device with an empty buffer pool
    await setBackend('webgpu');
    const model = await benchModel({ name: c.name, hf: c.hf, batch: c.batch, seqLen: c.seqLen, anchorLen: 16, loraR: DEFAULT_LORA_CONFIG.r });
    const adapter = LoraAdapter.init(model.config, { ...DEFAULT_LORA_CONFIG }, 3);
    model.adapter = adapter;
    const trainer = new Trainer(model, randomRows(4 * c.batch, c.seqLen, model.config.vocabSize, 5, 0), [], resolveTrainOptions({ maxSteps: 2, batchSize: c.batch, maxLength: c.seqLen }), 0);
    const anchors = c.anchors ?? 0;
    const projector = anchors === 0 ? undefined : new SafetyProjector(model, randomRows(anchors, c.seqLen, model.config.vocabSize, 6, c.seqLen / 2), resolveSpfOptions({}), 0, c.batch * c.seqLen, 'always');
    if (projector) trainer.addGradientHook(projector.hook);
    await trainer.trainStep();
    await trainer.trainStep();
    const measured = backendPeakBytes();
    const limit = deviceBindingLimit();
    if (projector) expect(projector.foldedRefreshes).toBe(2);
    projector?.dispose();
    trainer.dispose();
    adapter.dispose();
    model.dispose();
    expect(measured).toBeGreaterThan(0);
    const estimate = estimateTrainingMemory(
      parseModelShape(JSON.stringify(c.hf)),
      {
        batchSize: c.batch, maxLength: c.seqLen, loraRank: DEFAULT_LORA_CONFIG.r, loraTargets: LORA_TARGET_NAMES, compareWithPlain: false,
        spf: anchors === 0 ? undefined : { k: 4, anchors, anchorsPerPass: 1, anchorTokens: c.seqLen },
      },
      { backend: 'webgpu', maxBufferSize: limit, maxStorageBufferBindingSize: limit, budgetBytes: Infinity },
    ).bytes.total;
    const ratio = estimate / measured!;
    console.log(`${c.name}: WebGPU holds ${(measured! / 2 ** 20).toFixed(1)} MiB, estimate ${(estimate / 2 ** 20).toFixed(1)} MiB (${ratio.toFixed(2)}×)`);
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThanOrEqual(2);
  });
}
