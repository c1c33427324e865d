import { WASM_HEAP_MAX_BYTES as ENGINE_WASM_HEAP_MAX_BYTES } from '../../engine/device/wasm-abort';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  anchorTokenBound,
  estimateTrainingMemory,
  SPF_ANCHORS_PER_BATCH,
  SPF_MAX_K,
  TRANSPOSED_COPY_BYTES,
  WASM_GROWTH,
  WASM_HEAP_MAX_BYTES,
  WASM_SCRATCH_WEIGHTS,
  type DeviceLimits,
  type RunSize,
} from '../../app/model/memory-estimate';
import { deviceLimits } from '../../app/model/device-limits';
import type { WebGpuReport } from '../../app/gpu/probeWebGpu';
import { MAX_TRANSPOSED_COPY_BYTES } from '../../engine/model/frozen-matmul';
import { ANCHORS_PER_BATCH } from '../../engine/safety/anchor-gradients';
import { MAX_K } from '../../engine/kernels/spf-types';
import { countLoraParameters, countParameters, LORA_TARGET_NAMES, parseModelShape } from '../../app/model/model-shape';
import { REAL_SHAPES } from '../../cli/real-shapes';

// Sizes from the models' published config.json files; the parameter counts are what transformers'
// `model.num_parameters()` reports for them (and the model cards round): an independent check of countParameters.
const SMOLLM2_135M = {
  architectures: ['LlamaForCausalLM'],
  hidden_size: 576,
  num_hidden_layers: 30,
  intermediate_size: 1536,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  vocab_size: 49152,
  tie_word_embeddings: true,
};
const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'],
  hidden_size: 896,
  num_hidden_layers: 24,
  intermediate_size: 4864,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  vocab_size: 151936,
  tie_word_embeddings: true,
};
const QWEN3_06B = {
  architectures: ['Qwen3ForCausalLM'],
  hidden_size: 1024,
  num_hidden_layers: 28,
  intermediate_size: 3072,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  head_dim: 128,
  vocab_size: 151936,
  tie_word_embeddings: true,
};
const TINYLLAMA = {
  architectures: ['LlamaForCausalLM'],
  hidden_size: 2048,
  num_hidden_layers: 22,
  intermediate_size: 5632,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  vocab_size: 32000,
  tie_word_embeddings: false,
};

const shapeOf = (config: object) => parseModelShape(JSON.stringify(config));

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const roomy: DeviceLimits = { backend: 'wasm', maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB, budgetBytes: 64 * GIB };
const run = (patch: Partial<RunSize> = {}): RunSize => ({
  batchSize: 4,
  maxLength: 512,
  loraRank: 8,
  loraTargets: LORA_TARGET_NAMES,
  spf: { k: 4, anchors: 4, anchorsPerPass: 1, anchorTokens: 64 },
  compareWithPlain: false,
  ...patch,
});

describe('model shape', () => {
  it('counts the parameters transformers reports for real models', () => {
    expect(countParameters(shapeOf(SMOLLM2_135M))).toBe(134_515_008);
    expect(countParameters(shapeOf(QWEN25_05B))).toBe(494_032_768);
    expect(countParameters(shapeOf(QWEN3_06B))).toBe(596_049_920);
    expect(countParameters(shapeOf(TINYLLAMA))).toBe(1_100_048_384);
  });

  it('counts LoRA parameters as r × (in + out) per targeted projection per layer', () => {
    const s = shapeOf(SMOLLM2_135M);
    // q: 576→576, k/v: 576→192, o: 576→576, gate/up: 576→1536, down: 1536→576; r = 8, 30 layers.
    const perLayer = 8 * (1152 + 768 + 768 + 1152 + 2112 + 2112 + 2112);
    expect(countLoraParameters(s, 8, LORA_TARGET_NAMES)).toBe(30 * perLayer);
    expect(countLoraParameters(s, 8, ['q_proj', 'v_proj'])).toBe(30 * 8 * (1152 + 768));
  });

  it('names the missing or malformed field', () => {
    expect(() => parseModelShape('{"hidden_size": 64}')).toThrow(/num_attention_heads/);
    expect(() => parseModelShape('{not json')).toThrow(/not valid JSON/);
    expect(() => parseModelShape('[1, 2]')).toThrow(/JSON object/);
    expect(() => parseModelShape(JSON.stringify({ ...SMOLLM2_135M, vocab_size: -3 }))).toThrow(/"vocab_size" must be a positive integer, got -3/);
  });

  it('defaults head_dim and kv heads as transformers does, and reads the architecture', () => {
    const { num_key_value_heads: _, ...noGqa } = SMOLLM2_135M;
    const s = shapeOf(noGqa);
    expect(s.kvHeads).toBe(9);
    expect(s.headDim).toBe(64);
    expect(shapeOf({ ...SMOLLM2_135M, architectures: undefined, model_type: 'gpt2' }).architecture).toBe('model_type gpt2');
  });
});

describe('training memory estimate', () => {
  it('adds up its parts, with float32 weights', () => {
    const e = estimateTrainingMemory(shapeOf(SMOLLM2_135M), run(), roomy);
    const b = e.bytes;
    expect(b.weights).toBe(134_515_008 * 4);
    expect(b.adapter).toBe(e.loraParameters * 4);
    expect(b.total).toBe(b.weights + b.adapter + b.optimizer + b.spf + b.activations + b.logits + b.kernelCopies);
    // The loss's logits live in 32 MiB tiles (batch × length × vocab would be 384 MiB): a tile, its softmax, its gradient.
    expect(b.logits).toBe(3 * 32 * MIB);
    expect(e.vocabChunks).toBe(1);
    const small = estimateTrainingMemory(shapeOf(SMOLLM2_135M), run({ batchSize: 1, maxLength: 64 }), roomy);
    expect(small.bytes.logits).toBe(3 * 64 * 49152 * 4); // under one tile: the whole batch's logits
    // 31 GiB at 4 × 512 tokens: past tfjs-wasm's 4 GiB heap whatever the budget (see its tests below), and only that.
    expect(e.fits).toBe(false);
    expect(e.advice).toEqual([expect.stringMatching(/capped at 4 GiB/)]);
    const onGpu = estimateTrainingMemory(shapeOf(SMOLLM2_135M), run(), { ...roomy, backend: 'webgpu' });
    expect(onGpu.fits).toBe(true);
    expect(onGpu.advice).toEqual([]);
    // The page repeats the engine's cap on the forward pass's transposed weight copy (it cannot import the engine).
    expect(TRANSPOSED_COPY_BYTES).toBe(MAX_TRANSPOSED_COPY_BYTES);
  });

  it('grows with batch, length, the comparison run and SPF', () => {
    const s = shapeOf(SMOLLM2_135M);
    const base = estimateTrainingMemory(s, run(), roomy).bytes;
    expect(estimateTrainingMemory(s, run({ batchSize: 8 }), roomy).bytes.activations).toBeGreaterThan(1.9 * base.activations);
    expect(estimateTrainingMemory(s, run({ maxLength: 1024 }), roomy).bytes.activations).toBeGreaterThan(2 * base.activations);
    const compared = estimateTrainingMemory(s, run({ compareWithPlain: true }), roomy).bytes;
    expect(compared.adapter).toBe(2 * base.adapter);
    expect(compared.optimizer).toBe(2 * base.optimizer);
    const off = estimateTrainingMemory(s, run({ spf: undefined }), roomy).bytes;
    expect(off.spf).toBe(0);
    expect(off.total).toBeLessThan(base.total);
  });

  it("counts SPF's stacked anchor gradients, batched passes and subspaces", () => {
    const s = shapeOf(SMOLLM2_135M);
    // The page repeats the engine's SPF constants (it cannot import the engine).
    expect(SPF_ANCHORS_PER_BATCH).toBe(ANCHORS_PER_BATCH);
    expect(SPF_MAX_K).toBe(MAX_K);
    const lora = estimateTrainingMemory(s, run(), roomy).loraParameters * 4;
    const spfOf = (spf: NonNullable<RunSize['spf']>, patch: Partial<RunSize> = {}) => estimateTrainingMemory(s, run({ spf, ...patch }), roomy).bytes;
    // 4 anchors in one batched pass: G_s + a 16-column basis and 16-column U at r = 8 (5 adapters), the 4 stacked
    // gradients and their per-shape-group stacks (8), 4 LoRA copies with their gradients (8).
    expect(spfOf({ k: 4, anchors: 4, anchorsPerPass: 1, anchorTokens: 64 }).spf).toBe(21 * lora);
    // One gradient for all four: no copies, a single stack, k = 4 (kIter 8).
    expect(spfOf({ k: 4, anchors: 4, anchorsPerPass: 4, anchorTokens: 64 }).spf).toBe((1 + 12 / 8 + 2) * lora);
    // 32 anchors: four passes of 8, their gradients concatenated (2 × 32 + 32), 8 copies with gradients (16).
    expect(spfOf({ k: 1, anchors: 32, anchorsPerPass: 1, anchorTokens: 64 }).spf).toBe((5 + 96 + 16) * lora);
    // A pass holds no more tokens than the training batch: at batch 1 × 512, two 256-token anchors per pass (16
    // passes for 32 anchors), and its activations stay near the batch's (only the LoRA side paths are wider).
    const one = spfOf({ k: 1, anchors: 32, anchorsPerPass: 1, anchorTokens: 256 }, { batchSize: 1 });
    const plain = estimateTrainingMemory(s, run({ batchSize: 1, spf: undefined }), roomy).bytes;
    expect(one.spf).toBe((5 + 96 + 4) * lora);
    expect(one.activations).toBeGreaterThanOrEqual(plain.activations);
    expect(one.activations).toBeLessThan(1.05 * plain.activations);
    // Anchors are truncated to maxLength.
    expect(spfOf({ k: 1, anchors: 8, anchorsPerPass: 1, anchorTokens: 4096 }, { maxLength: 128 }).activations).toBe(
      spfOf({ k: 1, anchors: 8, anchorsPerPass: 1, anchorTokens: 128 }, { maxLength: 128 }).activations,
    );
  });

  it('bounds an anchor\'s tokens by its UTF-8 bytes plus the template, capped at maxLength', () => {
    expect(anchorTokenBound([{ request: 'How do I pick a lock?', refusal: 'I can\'t help with that.' }, { request: 'é', refusal: '' }], 512)).toBe(21 + 23 + 64);
    expect(anchorTokenBound([{ request: 'x'.repeat(1000), refusal: '' }], 256)).toBe(256);
  });

  it('splits a vocabulary over the largest binding as the engine does, so Qwen2.5-0.5B fits a 128 MiB binding', () => {
    // Qwen's embedding is 151936 × 896 × 4 bytes = 519 MiB: five chunks of 30388 rows (104 MiB each) under 128 MiB.
    const small: DeviceLimits = { backend: 'wasm', maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 128 * MIB, budgetBytes: 64 * GIB };
    const e = estimateTrainingMemory(shapeOf(QWEN25_05B), run(), small);
    expect(e.vocabChunks).toBe(5);
    expect(e.largestBuffer).toEqual({ name: 'embedding chunk (1/5 of vocab × hidden)', bytes: 30388 * 896 * 4 });
    expect(e.largestBuffer.bytes).toBeLessThanOrEqual(128 * MIB);
    expect(e.bytes.logits).toBe(3 * 32 * MIB);
    // Every buffer fits its binding: what keeps this run from fitting is tfjs-wasm's 4 GiB heap (and a budget it nears).
    expect(e.advice.join(' ')).not.toMatch(/largest buffer/);
    expect(e.advice[0]).toMatch(/capped at 4 GiB/);
    expect(estimateTrainingMemory(shapeOf(QWEN25_05B), run(), { ...small, backend: 'webgpu' }).fits).toBe(true);
    // A binding too small for one MLP weight is still a clear "choose a smaller model".
    const tiny: DeviceLimits = { ...small, maxStorageBufferBindingSize: 8 * MIB };
    const t = estimateTrainingMemory(shapeOf(QWEN25_05B), run(), tiny);
    expect(t.fits).toBe(false);
    expect(t.advice.join(' ')).toMatch(/One MLP weight .* choose a smaller model/);
  });

  it('says when the total exceeds the budget, and what dominates', () => {
    const tight: DeviceLimits = { ...roomy, budgetBytes: 1 * GIB };
    const e = estimateTrainingMemory(shapeOf(TINYLLAMA), run({ batchSize: 1, maxLength: 64 }), tight);
    expect(e.fits).toBe(false);
    expect(e.advice.join(' ')).toMatch(/more than the 1.0 GiB .* choose a smaller model \(the weights dominate\)/);
    const long = estimateTrainingMemory(shapeOf(SMOLLM2_135M), run({ batchSize: 16, maxLength: 2048, compareWithPlain: true }), { ...roomy, budgetBytes: 8 * GIB });
    expect(long.fits).toBe(false);
    expect(long.advice.join(' ')).toMatch(/lower the batch size or the max length \(activations dominate\), or turn off the plain-LoRA comparison run/);
  });

  it('warns without failing when the estimate comes close to the budget', () => {
    const s = shapeOf(SMOLLM2_135M);
    const gpu: DeviceLimits = { ...roomy, backend: 'webgpu' }; // tfjs-wasm's ceiling would fail this run's 31 GiB
    const total = estimateTrainingMemory(s, run(), gpu).bytes.total;
    const e = estimateTrainingMemory(s, run(), { ...gpu, budgetBytes: total / 0.9 });
    expect(e.fits).toBe(true);
    expect(e.advice.join(' ')).toMatch(/close to/);
  });
});

describe('the estimate for a run on tfjs-wasm (no WebGPU)', () => {
  // What the page assumes without WebGPU where the browser reports 8 GB (deviceLimits): a 4 GiB budget.
  const noGpu = deviceLimits(undefined, 8);
  const short = run({ batchSize: 1, maxLength: 64, loraRank: 16, spf: undefined });

  it("counts a copy of every weight matrix for the matrix kernels, three of the largest as scratch, and the heap's growth step", () => {
    const e = estimateTrainingMemory(shapeOf(SMOLLM2_135M), short, noGpu);
    const b = e.bytes;
    // Every projection of the 30 layers and the tied embedding (the lm_head): the parameters less the norms' weights.
    const kept = (134_515_008 - (30 * 2 + 1) * 576) * 4 + b.adapter;
    const scratch = WASM_SCRATCH_WEIGHTS * 49152 * 576 * 4;
    const tensors = b.total - b.kernelCopies;
    expect(tensors).toBe(b.weights + b.adapter + b.optimizer + b.spf + b.activations + b.logits);
    expect(b.kernelCopies).toBe(kept + scratch + Math.min(96 * MIB, 0.2 * (tensors + kept + scratch)));
    expect(b.total).toBeLessThan(2.2 * GIB);
    expect(e.fits).toBe(true);
    expect(e.advice).toEqual([]);
    // WebGPU's numbers are what they were: no such term.
    expect(estimateTrainingMemory(shapeOf(SMOLLM2_135M), short, { ...noGpu, backend: 'webgpu' }).bytes.kernelCopies).toBe(0);
  });

  it('holds a run to the 4 GiB heap whatever the budget, and says so for a user without WebGPU', () => {
    const e = estimateTrainingMemory(shapeOf(QWEN25_05B), short, { ...noGpu, budgetBytes: 64 * GIB });
    expect(e.bytes.total).toBeGreaterThan(WASM_HEAP_MAX_BYTES);
    expect(e.fits).toBe(false);
    expect(e.advice).toHaveLength(1);
    expect(e.advice[0]).toMatch(
      /^Without WebGPU this browser trains on the CPU in WebAssembly, whose memory is capped at 4 GiB: this run needs about \d+\.\d GiB there .*Pick a smaller model, or use a browser and GPU with WebGPU\.$/,
    );
    // Within the page's budget as well, the ceiling's sentence comes first.
    const both = estimateTrainingMemory(shapeOf(QWEN25_05B), short, noGpu);
    expect(both.advice[0]).toMatch(/capped at 4 GiB/);
    expect(both.advice[1]).toMatch(/more than the 4.0 GiB this device can safely give/);
    // On a GPU with the memory for it the same run fits: the ceiling is WebAssembly's.
    const gpu = estimateTrainingMemory(shapeOf(QWEN25_05B), short, { backend: 'webgpu', maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB, budgetBytes: 64 * GIB });
    expect(gpu.fits).toBe(true);
    expect(gpu.bytes.kernelCopies).toBe(0);
  });

  it('lets only SmolLM2-135M of the six real shapes train at batch 1 × 64 without WebGPU', () => {
    const fits = Object.entries(REAL_SHAPES).map(([name, hf]) => [name, estimateTrainingMemory(shapeOf(hf), short, { ...noGpu, budgetBytes: 64 * GIB }).fits]);
    expect(Object.fromEntries(fits)).toEqual({
      'smollm2-135m': true,
      'smollm2-360m': false,
      'qwen2.5-0.5b': false,
      'qwen3-0.6b': false,
      'tinyllama-1.1b': false,
      'llama-3.2-1b': false,
    });
  });

  it("repeats the installed tfjs-backend-wasm's heap ceiling and growth rule (the page does not load the backend to ask)", () => {
    const wasmOut = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
    const glue = readdirSync(wasmOut).filter((f) => f.endsWith('.js') && !f.endsWith('.worker.js'));
    expect(glue.length).toBeGreaterThanOrEqual(3); // plain, SIMD, threaded SIMD
    for (const file of glue) {
      const js = readFileSync(join(wasmOut, file), 'utf8');
      expect(js.match(/getHeapMax\(\)\s*\{\s*return\s*(\d+)/)?.[1], file).toBe(String(WASM_HEAP_MAX_BYTES));
      expect(js.match(/oldSize\s*\*\s*\(1\s*\+\s*([\d.]+)\s*\/\s*cutDown\)/)?.[1], file).toBe('.2');
      expect(js.match(/requestedSize\s*\+\s*(\d+)\)/)?.[1], file).toBe(String(WASM_GROWTH.maxBytes));
    }
    expect(WASM_GROWTH.share).toBe(0.2);
    expect(ENGINE_WASM_HEAP_MAX_BYTES).toBe(WASM_HEAP_MAX_BYTES); // the engine's abort message states the same ceiling
  });
});

describe('the estimate for a WebGPU run', () => {
  const gpu = (binding: number): DeviceLimits => ({ backend: 'webgpu', maxBufferSize: binding, maxStorageBufferBindingSize: binding, budgetBytes: 64 * GIB });
  const plain = (batchSize: number, maxLength: number): RunSize => run({ batchSize, maxLength, loraRank: 16, spf: undefined });

  it('stays above what an H200 held at both real shapes (README "On a real GPU"), within 2×', () => {
    // tfjs-webgpu's numBytesAllocatedInGPU after plain LoRA steps of 4 × 256 tokens (half of them labelled), 2 GiB binding.
    const held = [
      { shape: SMOLLM2_135M, bytes: 5_064_902_200 },
      { shape: QWEN25_05B, bytes: 11_656_611_148 },
    ];
    for (const { shape, bytes } of held) {
      const ratio = estimateTrainingMemory(shapeOf(shape), plain(4, 256), gpu(2 * GIB)).bytes.total / bytes;
      expect(ratio).toBeGreaterThanOrEqual(1);
      expect(ratio).toBeLessThanOrEqual(2);
    }
  });

  it('keeps fewer activations than tfjs-wasm, more logits (the pool keeps them), and three transposed copies', () => {
    const onGpu = estimateTrainingMemory(shapeOf(QWEN25_05B), plain(4, 256), gpu(128 * MIB)).bytes;
    const onWasm = estimateTrainingMemory(shapeOf(QWEN25_05B), plain(4, 256), { ...gpu(128 * MIB), backend: 'wasm' }).bytes;
    expect(onGpu.weights).toBe(onWasm.weights);
    expect(onGpu.activations - 3 * TRANSPOSED_COPY_BYTES).toBeCloseTo((3.5 / 6) * (onWasm.activations - TRANSPOSED_COPY_BYTES), -3);
    expect(onWasm.logits).toBe(3 * 32 * MIB);
    expect(onGpu.logits).toBe(2.5 * 4 * 256 * 151_936 * 4);
  });
});

it("the app's limits say which backend the estimate is for: WebGPU when the probe found an adapter, else the wasm fallback", () => {
  const available = { status: 'available', adapter: { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 128 * MIB } } as unknown as WebGpuReport;
  expect(deviceLimits(available, 8)).toEqual({ backend: 'webgpu', maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 128 * MIB, budgetBytes: 4 * GIB });
  expect(deviceLimits({ status: 'unavailable', reason: 'no-adapter', detail: '' }, 8).backend).toBe('wasm');
  expect(deviceLimits(undefined, undefined).backend).toBe('wasm');
});
