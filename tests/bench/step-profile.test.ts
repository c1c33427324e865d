import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { benchModel, benchShape, loraStepFlops, type BenchShape } from '../../cli/bench/bench-model';
import { parseModelConfig } from '../../engine/model/config';
import { profilePlainStep } from '../../cli/bench/steps';

describe('bench: where a plain step spends its time', () => {
  test('kernel time split into all matmuls and LoRA-rank matmuls, costliest kernels first (cpu)', async () => {
    await setBackend('cpu');
    const hf = { architectures: ['LlamaForCausalLM'], rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 64, tie_word_embeddings: true, vocab_size: 96, hidden_size: 64, intermediate_size: 256, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1 };
    // Wide enough that a matmul costs more than an elementwise kernel's fixed overhead on tfjs-cpu: at 32 × 48 with 24
    // tokens the costliest eight kernels could leave every matmul out, by timing noise alone.
    const shape: BenchShape = { name: 'tiny', hf, batch: 2, seqLen: 32, anchorLen: 6, loraR: 5 };
    const model = await benchModel(shape);
    const p = await profilePlainStep(model, shape);
    model.dispose();
    expect(p).toBeDefined();
    expect(p!.kernel_ms).toBeGreaterThan(0);
    expect(p!.matmul_ms).toBeGreaterThan(p!.lora_matmul_ms);
    expect(p!.lora_matmul_ms).toBeGreaterThan(0); // x·Aᵀ, ·Bᵀ and their gradients have a dimension of 5
    expect(p!.matmul_ms).toBeLessThanOrEqual(p!.kernel_ms);
    const ms = p!.by_kernel.map((k) => k.ms);
    expect(ms).toEqual([...ms].sort((a, b) => b - a));
    expect(p!.by_kernel.some((k) => k.name === 'BatchMatMul')).toBe(true);
    // Custom-gradient scopes (the LoRA delta's) are not kernels: their time is their kernels', listed on their own.
    expect(p!.by_kernel.every((k) => tf.getKernel(k.name, 'cpu') !== undefined)).toBe(true);
  });
});

test("LoRA's FLOPs: six matmuls of rank r per adapted projection and token, summed over the seven projections", () => {
  const c = parseModelConfig(benchShape(true).hf); // 128 wide, q 128, k / v 64, MLP 352, 2 layers
  // Per token: 2r(in + out) forward + 4r(in + out) backward, in + out = 2·256 (q, o) + 2·192 (k, v) + 3·480 (gate, up, down).
  expect(loraStepFlops(c, 1024, 16)).toBe(2 * 1024 * 6 * 16 * (2 * 256 + 2 * 192 + 3 * 480));
});
