/**
 * What loading a model folder refuses, before any weight reaches the backend: a checkpoint that holds more (or
 * fewer) tensors than its config.json describes, an absurd layer count, a non-finite weight, a tokenizer whose ids
 * have no embedding row, and an adapter for another model. Each error names the file(s) and what to do.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCliModel, loadCliModelWithTokenizer } from '../../cli/load';
import { SafeTuneError } from '../../engine/errors';
import { peftAdapterFiles, writePeftAdapter } from '../../engine/export/peft-adapter';
import { parseModelConfig } from '../../engine/model/config';
import { loadCausalLM } from '../../engine/model/load';
import { LoraAdapter } from '../../engine/model/lora';
import { randomWeights, tinyHfConfig, type TinyArch } from '../../engine/model/tiny';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { checkTokenizerFitsModel } from '../../engine/tokenizer/model-vocabulary';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { writeSafetensors, type TensorToWrite } from '../../engine/weights/safetensors-writer';
import { LoadedModel } from '../../workers/loaded-model';
import { randomHost } from '../export/fixtures';
import { setBackend } from '../helpers/backend';

type Json = Record<string, unknown>;
const encoder = new TextEncoder();

function configOf(files: Map<string, Uint8Array>): Json {
  return JSON.parse(new TextDecoder().decode(files.get('config.json'))) as Json;
}

/** A tiny checkpoint folder in memory, its config.json edited by `edit`. */
function folderWithConfig(arch: TinyArch, edit: (c: Json) => Json, name = `tiny ${arch}`): MemoryFiles {
  const files = tinyCheckpointFiles(arch, { seed: 1 });
  files.set('config.json', encoder.encode(JSON.stringify(edit(configOf(files)))));
  return new MemoryFiles(files, name);
}

/** A tiny checkpoint folder whose model.safetensors holds `tensors` instead of the config's own. */
function folderWithTensors(arch: TinyArch, change: (tensors: TensorToWrite[]) => TensorToWrite[]): MemoryFiles {
  const files = tinyCheckpointFiles(arch, { seed: 1 });
  const config = parseModelConfig(configOf(files));
  const tensors = [...randomWeights(config, 1)].map(([name, t]): TensorToWrite => ({ name, shape: t.shape, data: t.data, dtype: 'F32' }));
  files.set('model.safetensors', writeSafetensors(change(tensors), { format: 'pt' }));
  return new MemoryFiles(files, `tiny ${arch}`);
}

async function loadError(files: MemoryFiles, opts: Parameters<typeof loadCausalLM>[1] = {}): Promise<SafeTuneError> {
  const before = tf.memory().numTensors;
  const error = await loadCausalLM(files, opts).then(
    (model) => {
      model.dispose();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SafeTuneError);
  expect(tf.memory().numTensors).toBe(before); // nothing left on the backend by a refused load
  return error as SafeTuneError;
}

async function logits(files: MemoryFiles): Promise<Float32Array> {
  const model = await loadCausalLM(files);
  const out = model.logits(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'));
  const values = (await out.data()) as Float32Array; // sync point
  out.dispose();
  model.dispose();
  return values;
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('a checkpoint must hold exactly what config.json describes', () => {
  it('qwen3 weights under a Llama config: q_norm / k_norm are named, with the file and config.json', async () => {
    const e = await loadError(folderWithConfig('qwen3', (c) => ({ ...c, architectures: ['LlamaForCausalLM'], model_type: 'llama' })));
    expect(e.code).toBe('bad-config');
    expect(e.message).toMatch(/^tiny qwen3: 4 tensors "model\.layers\.0\.self_attn\.q_norm\.weight" \(model\.safetensors\), "model\.layers\.0\.self_attn\.k_norm\.weight" \(model\.safetensors\)/);
    expect(e.message).toMatch(/are not part of the model config\.json describes \(LlamaForCausalLM, 2 layers/);
    expect(e.hint).toMatch(/q_norm \/ k_norm belong to Qwen3/);
  });

  it('qwen2 weights under a Llama config: the q / k / v biases are named', async () => {
    const e = await loadError(folderWithConfig('qwen2', (c) => ({ ...c, architectures: ['LlamaForCausalLM'], model_type: 'llama' })));
    expect(e.code).toBe('bad-config');
    expect(e.message).toMatch(/6 tensors "model\.layers\.0\.self_attn\.q_proj\.bias" \(model\.safetensors\)/);
    expect(e.message).toMatch(/attention_bias false/);
    expect(e.hint).toMatch(/attention_bias/);
  });

  it('num_hidden_layers 1 on a 2-layer checkpoint names a tensor of layer 1 and its file', async () => {
    const e = await loadError(folderWithConfig('llama', (c) => ({ ...c, num_hidden_layers: 1 })));
    expect(e.code).toBe('bad-config');
    expect(e.message).toMatch(/config\.json's num_hidden_layers is 1, but tensor "model\.layers\.1\.[a-z_.]+weight" in model\.safetensors is for layer 1/);
  });

  it('names the shard a stray tensor is in', async () => {
    const files = tinyCheckpointFiles('qwen3', { seed: 1, shards: 3 });
    const config = configOf(files);
    files.set('config.json', encoder.encode(JSON.stringify({ ...config, architectures: ['LlamaForCausalLM'], model_type: 'llama' })));
    const e = await loadError(new MemoryFiles(files, 'sharded'));
    expect(e.message).toMatch(/"model\.layers\.0\.self_attn\.q_norm\.weight" \(model-0000\d-of-00003\.safetensors\)/);
  });

  it('an extra bias, embedding or unknown tensor is named', async () => {
    const bias = { name: 'model.layers.0.self_attn.o_proj.bias', shape: [64], data: new Float32Array(64), dtype: 'F32' as const };
    expect((await loadError(folderWithTensors('qwen2', (t) => [...t, bias]))).message).toMatch(/tensor "model\.layers\.0\.self_attn\.o_proj\.bias" \(model\.safetensors\) is not part of/);
    const other = { name: 'score.weight', shape: [2, 64], data: new Float32Array(128), dtype: 'F32' as const };
    expect((await loadError(folderWithTensors('llama', (t) => [...t, other]))).message).toMatch(/"score\.weight"/);
  });

  it('tolerates what HF itself skips: rotary inv_freq buffers, and lm_head.weight with tied embeddings', async () => {
    const plain = await logits(new MemoryFiles(tinyCheckpointFiles('llama', { seed: 1 })));
    const extras = folderWithTensors('llama', (t) => [
      ...t,
      { name: 'model.layers.0.self_attn.rotary_emb.inv_freq', shape: [8], data: new Float32Array(8).fill(1), dtype: 'F32' },
      { name: 'model.rotary_emb.inv_freq', shape: [8], data: new Float32Array(8).fill(1), dtype: 'F32' },
      { name: 'lm_head.weight', shape: [t[0]!.shape[0]!, 64], data: new Float32Array(t[0]!.data.length), dtype: 'F32' },
    ]);
    // Same seed, same weights: the extras change nothing (the zero lm_head is ignored, as HF ignores it when tied).
    expect(Array.from(await logits(extras))).toEqual(Array.from(plain));
  });
});

describe('an absurd num_hidden_layers fails fast, naming config.json', () => {
  it.each([1e9, 1e6, 3])('num_hidden_layers %d on a 2-layer checkpoint', async (layers) => {
    const e = await loadError(folderWithConfig('llama', (c) => ({ ...c, num_hidden_layers: layers })));
    expect(e.code).toBe('bad-config');
    expect(e.message).toContain(`tiny llama: config.json's num_hidden_layers is ${layers}, but the weights (model.safetensors) hold tensors for 2 layers only`);
  });
});

describe('non-finite base weights', () => {
  it.each([NaN, Infinity])('a %d in a weight is an error naming the tensor, its file and the index', async (bad) => {
    const files = folderWithTensors('qwen2', (tensors) =>
      tensors.map((t) => (t.name === 'model.layers.1.mlp.up_proj.weight' ? { ...t, data: t.data.map((v, i) => (i === 17 ? bad : v)) } : t)),
    );
    const e = await loadError(files);
    expect(e.code).toBe('bad-safetensors');
    // The file as its source names it: the bare name in memory (and in the browser), the full path on disk.
    expect(e.message).toBe(`tensor "model.layers.1.mlp.up_proj.weight" in model.safetensors holds ${bad} at index 17`);
  });
});

describe('the tokenizer against config.json vocab_size', () => {
  const tokens = new MemoryFiles(tinyCheckpointFiles('llama')).text('tokenizer.json').then((t) => Object.keys((JSON.parse(t) as { model: { vocab: Json } }).model.vocab).length);

  it('ids at or above vocab_size are an error naming tokenizer.json and config.json; a padded vocab_size is fine', async () => {
    expect(await tokens).toBeGreaterThan(100);
    expect(() => checkTokenizerFitsModel({ vocabSize: 151_665 }, { vocabSize: 151_936 }, 'Qwen2.5')).not.toThrow();
    expect(() => checkTokenizerFitsModel({ vocabSize: 331 }, { vocabSize: 331 }, 'exact')).not.toThrow();
    const e = (() => {
      try {
        checkTokenizerFitsModel({ vocabSize: 401 }, { vocabSize: 331 }, 'folder x');
      } catch (err) {
        return err as SafeTuneError;
      }
      throw new Error('no error');
    })();
    expect(e.code).toBe('bad-tokenizer');
    expect(e.message).toBe("tokenizer.json in folder x has token ids up to 400, but config.json's vocab_size is 331: 70 ids from 331 on would have no embedding row");
  });

  it('the worker refuses such a folder before touching the GPU', async () => {
    const files = folderWithConfig('llama', (c) => ({ ...c, vocab_size: 200 }), 'small vocab');
    const opened = { files, stored: { kind: 'bundled', name: 'x' }, baseModelName: 'x' } as unknown as Parameters<typeof LoadedModel.prepare>[0];
    await expect(LoadedModel.prepare(opened)).rejects.toThrow(/^tokenizer\.json in small vocab has token ids up to \d+, but config\.json's vocab_size is 200/);
    const fine = { ...opened, files: new MemoryFiles(tinyCheckpointFiles('llama')) };
    await expect(LoadedModel.prepare(fine)).resolves.toBeDefined();
    // A mislabelled checkpoint, too, fails here: before the worker releases the model it has loaded.
    const relabelled = { ...opened, files: folderWithConfig('qwen3', (c) => ({ ...c, architectures: ['LlamaForCausalLM'], model_type: 'llama' })) };
    await expect(LoadedModel.prepare(relabelled)).rejects.toThrow(/"model\.layers\.0\.self_attn\.q_norm\.weight" \(model\.safetensors\)/);
  });
});

describe('the CLI applies an adapter only to the model it fits', () => {
  let dir = '';
  const modelDir = (): string => join(dir, 'model');

  async function writeFolder(path: string, files: Map<string, Uint8Array>): Promise<void> {
    await import('node:fs/promises').then((fs) => fs.mkdir(path, { recursive: true }));
    for (const [name, bytes] of files) await writeFile(join(path, name), bytes);
  }

  async function adapterFor(layers: number, name: string): Promise<string> {
    const config = parseModelConfig({ ...tinyHfConfig('llama', 64), num_hidden_layers: layers });
    const path = join(dir, name);
    await writeFolder(path, peftAdapterFiles(writePeftAdapter(randomHost(config, { r: 2, targets: ['q_proj', 'v_proj'] }, 1), 'tiny')));
    return path;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safetune-load-'));
    await writeFolder(modelDir(), tinyCheckpointFiles('llama', { seed: 1 }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an adapter with more layers than the model is an error, not applied in part', async () => {
    const deeper = await adapterFor(3, 'deeper');
    await expect(loadCliModel(modelDir(), deeper, 'cpu')).rejects.toThrow(
      /adapter_model\.safetensors in local folder .*deeper: tensor "base_model\.model\.model\.layers\.2\.self_attn\.(q|v)_proj\.lora_(A|B)\.weight" is for layer 2 but the base model has 2 layers/,
    );
  });

  it('an adapter with fewer layers names the adapter file', async () => {
    const shallower = await adapterFor(1, 'shallower');
    await expect(loadCliModel(modelDir(), shallower, 'cpu')).rejects.toThrow(/^adapter_model\.safetensors in local folder .*shallower: lacks 4 tensors "base_model\.model\.model\.layers\.1\./);
  });

  it('a matching adapter loads; generate\'s loader checks the tokenizer first', async () => {
    const same = await adapterFor(2, 'same');
    const { model, tokenizer } = await loadCliModelWithTokenizer(modelDir(), same, 'cpu');
    expect(model.adapter?.modules()).toHaveLength(4);
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(model.config.vocabSize);
    model.dispose();
    model.adapter?.dispose();

    const small = join(dir, 'small-vocab');
    await writeFolder(small, tinyCheckpointFiles('llama', { seed: 1 }));
    await writeFile(join(small, 'config.json'), JSON.stringify({ ...tinyHfConfig('llama', 100) }));
    await expect(loadCliModelWithTokenizer(small, undefined, 'cpu')).rejects.toThrow(/^tokenizer\.json in local folder .*small-vocab has token ids up to \d+, but config\.json's vocab_size is 100/);
  });
});

describe('LoraAdapter.fromHost', () => {
  const model = parseModelConfig(tinyHfConfig('llama', 64));

  it('refuses modules the model does not have, naming the source', () => {
    const deeper = randomHost({ ...model, numLayers: 3 }, { r: 2, targets: ['q_proj'] }, 1);
    expect(() => LoraAdapter.fromHost(model, deeper, 'adapter_model.safetensors in X')).toThrow(
      /^adapter_model\.safetensors in X holds weights for model\.layers\.2\.self_attn\.q_proj, which this model \(2 layers, targets q_proj\) does not have/,
    );
  });

  it('names the source when a layer is missing, and leaves no variable behind', () => {
    const before = tf.memory().numTensors;
    const shallower = randomHost({ ...model, numLayers: 1 }, { r: 2, targets: ['q_proj'] }, 1);
    expect(() => LoraAdapter.fromHost(model, shallower, 'adapter_model.safetensors in Y')).toThrow(
      /^adapter_model\.safetensors in Y has no weights for model\.layers\.1\.self_attn\.q_proj/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
