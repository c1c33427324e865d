import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { benchModel, type BenchShape } from '../../cli/bench/bench-model';
import { profilePlainStep } from '../../cli/bench/steps';

describe('bench: where a plain step spends its time', () => {
  test('kernel time split into all matmuls and LoRA-rank matmuls, costliest kernels first (cpu)', async () => {
    await setBackend('cpu');
    const hf = { architectures: ['LlamaForCausalLM'], rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 64, tie_word_embeddings: true, vocab_size: 96, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1 };
    const shape: BenchShape = { name: 'tiny', hf, batch: 2, seqLen: 12, anchorLen: 6, loraR: 5 };
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
  });
});
