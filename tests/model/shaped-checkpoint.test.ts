import { describe, expect, it } from 'vitest';
import { shapedCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { parseModelConfig } from '../../engine/model/config';
import { REAL_SHAPES } from '../../cli/real-shapes';

// `cli make-tiny --shape NAME`: a real model's config with random weights and the tiny tokenizer. The full-size
// folders are hundreds of MB (the bench and the real-shape runs write them); here the header alone proves the shapes.

/** The safetensors header, read by hand: 8 bytes of little-endian length, then JSON. */
function safetensorsHeader(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] } | undefined> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, { dtype: string; shape: number[] }>;
}

describe('shaped checkpoints', () => {
  it('the SmolLM2-135M shape: every tensor in its HF shape, the tiny tokenizer inside the real vocabulary', () => {
    const files = shapedCheckpointFiles(REAL_SHAPES['smollm2-135m']!, { dtype: 'bf16' });
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json'))) as Record<string, unknown>;
    expect(config['vocab_size']).toBe(49152);
    expect(config['torch_dtype']).toBe('bfloat16');
    const parsed = parseModelConfig(config);
    expect(parsed.numLayers).toBe(30);
    const header = safetensorsHeader(files.get('model.safetensors')!);
    expect(header['model.embed_tokens.weight']).toMatchObject({ dtype: 'BF16', shape: [49152, 576] });
    expect(header['model.layers.29.mlp.down_proj.weight']?.shape).toEqual([576, 1536]);
    expect(header['model.layers.0.self_attn.k_proj.weight']?.shape).toEqual([192, 576]);
    expect(Object.keys(header).filter((k) => k.startsWith('model.layers.'))).toHaveLength(30 * 9);
    expect(header['lm_head.weight']).toBeUndefined(); // tied
    const tokenizer = JSON.parse(new TextDecoder().decode(files.get('tokenizer.json'))) as { added_tokens: { id: number }[] };
    expect(Math.max(...tokenizer.added_tokens.map((t) => t.id))).toBeLessThan(49152);
    expect(config['eos_token_id']).toBe(tokenizer.added_tokens.find((t) => (t as { content?: string }).content === '<|im_end|>')?.id);
  }, 60_000);

  it('refuses a vocabulary smaller than the tokenizer', () => {
    expect(() => shapedCheckpointFiles({ ...REAL_SHAPES['smollm2-135m']!, vocab_size: 10 })).toThrow(/vocab_size 10 is smaller than the tiny tokenizer's/);
  });
});
