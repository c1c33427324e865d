import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { MemoryFiles } from '../../engine/weights/memory-files';
import type { ModelFiles } from '../../engine/weights/model-files';
import { writeSafetensors, writeShardedCheckpoint, type TensorToWrite } from '../../engine/weights/safetensors-writer';

const enc = (s: string) => new TextEncoder().encode(s);

function tensor(name: string, values: number[], dtype: TensorToWrite['dtype'] = 'F32'): TensorToWrite {
  return { name, dtype, shape: [values.length], data: new Float32Array(values) };
}

const TENSORS = [
  tensor('model.embed_tokens.weight', [1, 2, 3, 4]),
  tensor('model.layers.0.mlp.up_proj.weight', [5, 6], 'BF16'),
  tensor('model.layers.1.mlp.up_proj.weight', [7, 8, 9]),
  tensor('model.norm.weight', [0.5], 'F16'),
];

async function caught(promise: Promise<unknown> | (() => unknown)): Promise<SafeTuneError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    expect(e).toBeInstanceOf(SafeTuneError);
    return e as SafeTuneError;
  }
  throw new Error('expected a SafeTuneError');
}

/** The same files without list(): like FetchFiles, a source that cannot enumerate its folder. */
function unlistable(files: MemoryFiles): ModelFiles {
  return { description: files.description, has: (p) => files.has(p), open: (p) => files.open(p), text: (p) => files.text(p) };
}

describe('openWeightShards: single file', () => {
  it('opens model.safetensors and reads tensors by name, with the file each comes from', async () => {
    const files = new MemoryFiles({ 'model.safetensors': writeSafetensors(TENSORS), 'config.json': enc('{}') }, 'test folder');
    const ckpt = await openWeightShards(files);
    expect(ckpt.files).toEqual(['model.safetensors']);
    expect(ckpt.names().sort()).toEqual(TENSORS.map((t) => t.name).sort());
    expect(ckpt.has('model.norm.weight')).toBe(true);
    expect(ckpt.info('model.layers.0.mlp.up_proj.weight')).toMatchObject({ file: 'model.safetensors', dtype: 'BF16', shape: [2] });
    expect(Array.from((await ckpt.read('model.layers.1.mlp.up_proj.weight')).data)).toEqual([7, 8, 9]);
    const all = await ckpt.readAll();
    expect([...all.keys()]).toEqual(ckpt.names());
    expect(Array.from(all.get('model.layers.0.mlp.up_proj.weight')!.data)).toEqual([5, 6]);
  });

  it('requireTensors passes when all are there and names the missing one against the single file', async () => {
    const ckpt = await openWeightShards(new MemoryFiles({ 'model.safetensors': writeSafetensors(TENSORS) }, 'test folder'));
    ckpt.requireTensors(['model.norm.weight', 'model.embed_tokens.weight']);
    const e = await caught(() => ckpt.requireTensors(['model.norm.weight', 'lm_head.weight']));
    expect(e.code).toBe('missing-tensor');
    expect(e.message).toContain('tensor lm_head.weight is needed by the config but model.safetensors does not have it');
    expect(e.hint).toContain('model.embed_tokens.weight');
  });

  it('prefers model.safetensors when an index is there too, and never takes an adapter for the model', async () => {
    const files = new MemoryFiles({
      'model.safetensors': writeSafetensors([tensor('a', [1])]),
      'model.safetensors.index.json': enc('{"weight_map": {"b": "nowhere.safetensors"}}'),
      'adapter_model.safetensors': writeSafetensors([tensor('lora_A', [1])]),
    });
    expect((await openWeightShards(files)).names()).toEqual(['a']);
  });

  it('info / read of an unknown tensor throw missing-tensor', async () => {
    const ckpt = await openWeightShards(new MemoryFiles({ 'model.safetensors': writeSafetensors(TENSORS) }, 'test folder'));
    expect((await caught(() => ckpt.info('nope'))).code).toBe('missing-tensor');
    expect((await caught(ckpt.read('nope'))).message).toContain('"nope"');
  });
});

describe('openWeightShards: sharded', () => {
  const sharded = () => new Map(writeShardedCheckpoint(TENSORS, 16).files);

  it('opens the index and every shard; tensors come from the right shard with the right values', async () => {
    const files = sharded();
    expect(files.size).toBeGreaterThan(2);
    const ckpt = await openWeightShards(new MemoryFiles(files, 'sharded folder'));
    expect(ckpt.files).toEqual([...files.keys()].filter((f) => f.endsWith('.safetensors')));
    expect(ckpt.names().sort()).toEqual(TENSORS.map((t) => t.name).sort());
    const index = JSON.parse(new TextDecoder().decode(files.get('model.safetensors.index.json'))) as { weight_map: Record<string, string> };
    for (const t of TENSORS) {
      expect(ckpt.info(t.name).file).toBe(index.weight_map[t.name]);
      expect(Array.from((await ckpt.read(t.name)).data)).toEqual(Array.from(t.data));
    }
    const e = await caught(() => ckpt.requireTensors(['model.layers.3.mlp.up_proj.weight', 'model.layers.4.mlp.up_proj.weight', 'model.norm.weight']));
    expect(e.message).toContain('2 tensors are needed by the config but no shard has them');
    expect(e.message).toContain('model.layers.3.mlp.up_proj.weight, model.layers.4.mlp.up_proj.weight');
    const one = await caught(() => ckpt.requireTensors(['model.layers.3.mlp.up_proj.weight'], 'the Llama model'));
    expect(one.message).toContain('tensor model.layers.3.mlp.up_proj.weight is needed by the Llama model but no shard has it');
  });

  it('names every missing shard and the tensors it should hold', async () => {
    const files = sharded();
    const shards = [...files.keys()].filter((f) => f.startsWith('model-'));
    files.delete(shards[0]!);
    const e = await caught(openWeightShards(new MemoryFiles(files, 'sharded folder')));
    expect(e.code).toBe('missing-file');
    expect(e.message).toContain('sharded folder');
    expect(e.message).toContain(`${shards[0]} (should hold "model.embed_tokens.weight")`);
  });

  it('names a tensor the index maps to a shard that lacks it', async () => {
    const files = sharded();
    const index = JSON.parse(new TextDecoder().decode(files.get('model.safetensors.index.json'))) as { weight_map: Record<string, string> };
    index.weight_map['model.extra.weight'] = index.weight_map['model.norm.weight']!;
    files.set('model.safetensors.index.json', enc(JSON.stringify(index)));
    const e = await caught(openWeightShards(new MemoryFiles(files)));
    expect(e.code).toBe('missing-tensor');
    expect(e.message).toContain(`"model.extra.weight" to ${index.weight_map['model.norm.weight']}`);
  });

  it('rejects a damaged index: bad JSON, no weight_map, a non-string or escaping shard name', async () => {
    const cases: [string, string][] = [
      ['{"weight_map": ', 'not valid JSON'],
      ['{"metadata": {}}', 'no "weight_map" object'],
      ['{"weight_map": {"a": 3}}', 'maps tensor "a" to 3'],
      ['{"weight_map": {"a": "../../etc/passwd"}}', 'not a file inside the model folder'],
      ['{"weight_map": {}}', 'maps no tensors'],
    ];
    for (const [text, fragment] of cases) {
      const e = await caught(openWeightShards(new MemoryFiles({ 'model.safetensors.index.json': enc(text) }, 'folder x')));
      expect(e.code).toBe('bad-safetensors');
      expect(e.message).toContain('model.safetensors.index.json in folder x');
      expect(e.message).toContain(fragment);
    }
  });

  it('opens a complete set of unindexed shards when the source can list its files', async () => {
    const files = sharded();
    files.delete('model.safetensors.index.json');
    const ckpt = await openWeightShards(new MemoryFiles(files));
    expect(ckpt.names().sort()).toEqual(TENSORS.map((t) => t.name).sort());
    expect(Array.from((await ckpt.read('model.norm.weight')).data)).toEqual([0.5]);
  });
});

describe('openWeightShards: no weights', () => {
  it('lists what the folder has when the source can list it', async () => {
    const e = await caught(openWeightShards(new MemoryFiles({ 'config.json': enc('{}'), 'tokenizer.json': enc('{}') }, 'folder m')));
    expect(e.code).toBe('missing-file');
    expect(e.message).toBe('folder m has no model weights: neither model.safetensors nor model.safetensors.index.json is there; it has config.json, tokenizer.json');
  });

  it('recognises PyTorch-only repos, adapters, GGUF and incomplete shard sets in its hint', async () => {
    const hints: [Record<string, Uint8Array>, string][] = [
      [{ 'pytorch_model.bin': new Uint8Array(1) }, 'PyTorch .bin'],
      [{ 'adapter_model.safetensors': new Uint8Array(1), 'adapter_config.json': enc('{}') }, 'LoRA adapter'],
      [{ 'model-q4_k_m.gguf': new Uint8Array(1) }, 'GGUF'],
      [{ 'model-00001-of-00002.safetensors': new Uint8Array(1) }, 'incomplete'],
    ];
    for (const [contents, hint] of hints) {
      const e = await caught(openWeightShards(new MemoryFiles(contents)));
      expect(e.hint).toContain(hint);
    }
  });

  it('probes telling names when the source cannot list its files', async () => {
    const e = await caught(openWeightShards(unlistable(new MemoryFiles({ 'pytorch_model.bin': new Uint8Array(1) }, 'served folder'))));
    expect(e.message).toBe('served folder has no model weights: neither model.safetensors nor model.safetensors.index.json is there');
    expect(e.hint).toContain('PyTorch .bin');
  });
});
