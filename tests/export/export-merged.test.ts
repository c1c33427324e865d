import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { exportMergedModel, mergeAdapter } from '../../engine/export/merge';
import { readModelConfig } from '../../engine/model/load';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { tinyModelConfig } from '../../engine/model/tiny';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../engine/weights/dtype';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { writeShardedCheckpoint } from '../../engine/weights/safetensors-writer';
import { firstDifference, randomHost } from './fixtures';

const decoder = new TextDecoder();

async function baseOf(folder: Map<string, Uint8Array>) {
  const files = new MemoryFiles(folder, 'tiny base');
  const config = await readModelConfig(files);
  const tensors = await (await openWeightShards(files)).readAll();
  return { files, config, tensors };
}

async function reopen(out: Map<string, Uint8Array>) {
  const files = new MemoryFiles(out, 'merged export');
  const checkpoint = await openWeightShards(files);
  return { config: JSON.parse(decoder.decode(out.get('config.json'))) as Record<string, unknown>, checkpoint, tensors: await checkpoint.readAll(), modelConfig: await readModelConfig(files) };
}

function rounded(data: Float32Array, dtype: 'BF16' | 'F16'): Float32Array {
  return dtype === 'BF16' ? data.map((v) => bf16BitsToF32(f32ToBf16Bits(v))) : data.map((v) => f16BitsToF32(f32ToF16Bits(v)));
}

describe('exportMergedModel', () => {
  it('F32: one model.safetensors holding exactly the merged tensors, config and tokenizer files copied', async () => {
    const folder = tinyCheckpointFiles('llama3', { seed: 1 });
    const base = await baseOf(folder);
    const host = randomHost(base.config, { r: 4, alpha: 8, targets: ['q_proj', 'o_proj', 'up_proj'] }, 2);
    const progress: string[] = [];
    const out = await exportMergedModel(base.files, host, { dtype: 'F32', onTensor: (name, i, n) => progress.push(`${i + 1}/${n} ${name}`) });

    expect(progress).toEqual([...base.tensors.keys()].map((name, i) => `${i + 1}/${base.tensors.size} ${name}`));
    expect([...out.keys()].sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    for (const copied of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(firstDifference(out.get(copied)!, folder.get(copied)!), copied).toBeUndefined(); // float32 base: torch_dtype already right, bytes kept
    }
    const merged = await reopen(out);
    expect(merged.modelConfig).toEqual(base.config);
    const want = mergeAdapter(base.tensors, host);
    expect([...merged.tensors.keys()]).toEqual([...base.tensors.keys()]);
    for (const [name, t] of merged.tensors) {
      expect(t.dtype, name).toBe('F32');
      expect(t.shape, name).toEqual(want.get(name)!.shape);
      expect(firstDifference(t.data, want.get(name)!.data), name).toBeUndefined();
    }
    const layer1 = (p: string) => [merged.tensors.get(`model.layers.1.${p}.weight`)!.data, base.tensors.get(`model.layers.1.${p}.weight`)!.data] as const;
    expect(firstDifference(...layer1('self_attn.o_proj'))).toBeDefined();
    expect(firstDifference(...layer1('self_attn.k_proj'))).toBeUndefined();
  });

  it('refuses a checkpoint its config.json does not describe, as loading does (Qwen3 weights under a Llama config)', async () => {
    const folder = tinyCheckpointFiles('qwen3', { seed: 1 });
    const config = JSON.parse(decoder.decode(folder.get('config.json'))) as Record<string, unknown>;
    folder.set('config.json', new TextEncoder().encode(JSON.stringify({ ...config, architectures: ['LlamaForCausalLM'], model_type: 'llama' })));
    const base = await baseOf(folder);
    const host = randomHost(base.config, { r: 4, alpha: 8, targets: ['q_proj'] }, 2);
    await expect(exportMergedModel(base.files, host, { dtype: 'F32' })).rejects.toThrow(/q_norm\.weight.* not part of the model config\.json describes \(LlamaForCausalLM/);
  });

  it('refuses a base weight that is not finite, naming it, as loading does', async () => {
    const folder = tinyCheckpointFiles('llama', { seed: 1 });
    const bytes = folder.get('model.safetensors')!.slice();
    const view = new DataView(bytes.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    const header = JSON.parse(decoder.decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { data_offsets: [number, number] }>;
    view.setFloat32(8 + headerLength + header['model.layers.1.mlp.up_proj.weight']!.data_offsets[0] + 4 * 5, NaN, true);
    folder.set('model.safetensors', bytes);
    const host = randomHost(await readModelConfig(new MemoryFiles(folder, 'tiny base')), { r: 4, alpha: 8, targets: ['q_proj'] }, 2);
    await expect(exportMergedModel(new MemoryFiles(folder, 'tiny base'), host, { dtype: 'F32' })).rejects.toThrow(/^tensor "model\.layers\.1\.mlp\.up_proj\.weight" in model\.safetensors holds NaN at index 5$/);
  });

  it('shards one file at a time exactly as writeShardedCheckpoint shards the merged tensors', async () => {
    const base = await baseOf(tinyCheckpointFiles('qwen2', { seed: 3, shards: 2 }));
    const host = randomHost(base.config, { r: 2, alpha: 4 }, 4);
    for (const [dtype, maxShardBytes] of [['F32', 40_000], ['BF16', 25_000], ['F16', 1]] as const) {
      const out = await exportMergedModel(base.files, host, { dtype, maxShardBytes });
      const merged = mergeAdapter(base.tensors, host);
      const twin = writeShardedCheckpoint(
        [...merged].map(([name, t]) => ({ name, shape: t.shape, data: t.data, dtype })),
        maxShardBytes,
      ).files;
      expect(twin.size).toBeGreaterThan(2);
      const weightFiles = [...out.keys()].filter((f) => f.startsWith('model'));
      expect(weightFiles.sort()).toEqual([...twin.keys()].sort());
      for (const [file, bytes] of twin) expect(firstDifference(out.get(file)!, bytes), `${dtype} ${file}`).toBeUndefined();
      expect((await reopen(out)).checkpoint.files.length).toBe(twin.size - 1); // shards, without the index
    }
  });

  for (const dtype of ['BF16', 'F16'] as const) {
    it(`${dtype}: tensors are the merged float32 values rounded to ${dtype}, config.json says so`, async () => {
      const base = await baseOf(tinyCheckpointFiles('qwen3', { seed: 5 }));
      const host = randomHost(base.config, { r: 4, alpha: 16, useRslora: true }, 6);
      const merged = await reopen(await exportMergedModel(base.files, host, { dtype }));
      expect(merged.config['torch_dtype']).toBe(dtype === 'BF16' ? 'bfloat16' : 'float16');
      expect({ ...merged.config, torch_dtype: 'float32' }).toEqual(JSON.parse(decoder.decode(tinyCheckpointFiles('qwen3', { seed: 5 }).get('config.json'))));
      const want = mergeAdapter(base.tensors, host);
      const relativeStep = dtype === 'BF16' ? 2 ** -8 : 2 ** -11; // half an ulp, relative, of a normal number
      for (const [name, t] of merged.tensors) {
        const exact = want.get(name)!.data;
        expect(t.dtype, name).toBe(dtype);
        expect(firstDifference(t.data, rounded(exact, dtype)), name).toBeUndefined();
        const beyond = exact.findIndex((v, i) => !(Math.abs(t.data[i]! - v) <= Math.abs(v) * relativeStep + 2 ** -24));
        expect(beyond, name).toBe(-1);
      }
    });
  }

  it('same-as-base keeps a BF16 base in BF16 and config.json byte for byte', async () => {
    const folder = tinyCheckpointFiles('llama', { seed: 7, dtype: 'bf16' });
    const base = await baseOf(folder);
    const host = randomHost(base.config, { r: 2, targets: ['gate_proj', 'down_proj'] }, 8);
    const out = await exportMergedModel(base.files, host, { dtype: 'same-as-base' });
    expect(firstDifference(out.get('config.json')!, folder.get('config.json')!)).toBeUndefined();
    const merged = await reopen(out);
    const want = mergeAdapter(base.tensors, host);
    for (const [name, t] of merged.tensors) {
      expect(t.dtype, name).toBe('BF16');
      const adapted = /(gate|down)_proj\.weight$/.test(name);
      expect(firstDifference(t.data, adapted ? rounded(want.get(name)!.data, 'BF16') : base.tensors.get(name)!.data), name).toBeUndefined();
    }
  });

  it('updates transformers 5\'s "dtype" field instead of adding torch_dtype', async () => {
    const folder = tinyCheckpointFiles('llama', { seed: 9 });
    const config = JSON.parse(decoder.decode(folder.get('config.json'))) as Record<string, unknown>;
    delete config['torch_dtype'];
    config['dtype'] = 'float32';
    folder.set('config.json', new TextEncoder().encode(JSON.stringify(config)));
    const base = await baseOf(folder);
    const out = await exportMergedModel(base.files, randomHost(base.config, { r: 2, targets: ['q_proj'] }, 1), { dtype: 'BF16' });
    const written = JSON.parse(decoder.decode(out.get('config.json'))) as Record<string, unknown>;
    expect(written['dtype']).toBe('bfloat16');
    expect('torch_dtype' in written).toBe(false);
  });

  it('rejects an adapter for another model before reading any weights, and an unknown dtype', async () => {
    const base = await baseOf(tinyCheckpointFiles('llama', { seed: 10 }));
    const reads: string[] = [];
    const watched = new MemoryFiles(tinyCheckpointFiles('llama', { seed: 10 }));
    const files = { description: 'watched base', has: (p: string) => watched.has(p), text: (p: string) => watched.text(p), open: async (p: string) => {
      const source = await watched.open(p);
      return { name: source.name, size: source.size, read: (offset: number, length: number) => (reads.push(`${p}@${offset}+${length}`), source.read(offset, length)) };
    } };

    const wider = randomHost(tinyModelConfig('qwen3', base.config.vocabSize), { r: 2, targets: ['q_proj'] }, 11);
    const e1 = await exportMergedModel(files, wider, { dtype: 'F32' }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(SafeTuneError);
    expect((e1 as SafeTuneError).code).toBe('bad-adapter');
    expect((e1 as SafeTuneError).message).toMatch(/model\.layers\.0\.self_attn\.q_proj maps 64 -> 96 features but the base tensor model\.layers\.0\.self_attn\.q_proj\.weight has shape \[64, 64\]/);
    const weightReads = reads.filter((r) => r.startsWith('model.safetensors'));
    expect(weightReads.length).toBeGreaterThan(0); // the header was read...
    expect(weightReads.filter((r) => !/@(0|8)\+/.test(r))).toEqual([]); // ...and nothing past it

    const deeper = randomHost({ ...base.config, numLayers: 3 }, { r: 2, targets: ['v_proj'] }, 12);
    const e2 = await exportMergedModel(base.files, deeper, { dtype: 'F32' }).catch((e: unknown) => e);
    expect((e2 as SafeTuneError).code).toBe('missing-tensor');
    expect((e2 as SafeTuneError).message).toMatch(/tensor model\.layers\.2\.self_attn\.v_proj\.weight is needed by the adapter/);

    const e3 = await exportMergedModel(base.files, deeper, { dtype: 'F64' as never }).catch((e: unknown) => e);
    expect((e3 as SafeTuneError).code).toBe('bad-argument');
  });
});
