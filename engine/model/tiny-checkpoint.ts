import { buildTinyTokenizer } from '../tokenizer/tiny-tokenizer';
import { writeSafetensors, writeShardedCheckpoint, type TensorToWrite } from '../weights/safetensors-writer';
import { parseModelConfig } from './config';
import { randomWeights, tinyHfConfig, type TinyArch } from './tiny';

export interface TinyCheckpointOptions {
  dtype?: 'f32' | 'bf16'; // stored dtype of the weights (default f32)
  shards?: number; // split the weights into this many shards with an index (default 1: model.safetensors)
  seed?: number; // weight init seed (default 0)
}

const TINY_ARCHS: readonly TinyArch[] = ['llama', 'llama3', 'qwen2', 'qwen3'];

export function isTinyArch(s: string): s is TinyArch {
  return (TINY_ARCHS as readonly string[]).includes(s);
}

/**
 * A complete tiny model folder in HF layout — config.json, generation_config.json, safetensors (bf16 and / or
 * sharded on request), tokenizer.json and tokenizer_config.json with a ChatML template — with random weights.
 * Returned as file name → bytes so tests keep it in memory and the CLI writes it to disk.
 */
export function tinyCheckpointFiles(arch: TinyArch, opts: TinyCheckpointOptions = {}): Map<string, Uint8Array> {
  const tok = buildTinyTokenizer();
  return checkpointFiles(tinyHfConfig(arch, tok.vocabSize, tok.specialTokenIds['<|im_end|>']), tok, opts);
}

/**
 * The same folder for a real model's config.json (its exact shapes, random weights) with the tiny tokenizer: the
 * tokenizer's ids are a prefix of the model's vocabulary, so the full embedding and lm_head are allocated and used, as
 * they are for the real model. For testing sizes and device limits without downloading weights.
 */
export function shapedCheckpointFiles(hfConfig: Record<string, unknown>, opts: TinyCheckpointOptions = {}): Map<string, Uint8Array> {
  const tok = buildTinyTokenizer();
  const vocab = hfConfig['vocab_size'];
  if (typeof vocab !== 'number' || vocab < tok.vocabSize) throw new Error(`vocab_size ${String(vocab)} is smaller than the tiny tokenizer's ${tok.vocabSize}`);
  return checkpointFiles({ ...hfConfig, bos_token_id: null, eos_token_id: tok.specialTokenIds['<|im_end|>'] }, tok, opts);
}

function checkpointFiles(hfConfig: Record<string, unknown>, tok: ReturnType<typeof buildTinyTokenizer>, opts: TinyCheckpointOptions): Map<string, Uint8Array> {
  const hf = { ...hfConfig };
  const eos = hf['eos_token_id'];
  const dtype = opts.dtype ?? 'f32';
  hf['torch_dtype'] = dtype === 'bf16' ? 'bfloat16' : 'float32';
  const config = parseModelConfig(hf);
  const tensors: TensorToWrite[] = [...randomWeights(config, opts.seed ?? 0)].map(([name, t]) => ({
    name,
    shape: t.shape,
    data: t.data,
    dtype: dtype === 'bf16' ? 'BF16' : 'F32',
  }));
  const enc = new TextEncoder();
  const json = (o: unknown): Uint8Array => enc.encode(JSON.stringify(o, null, 2) + '\n');
  const files = new Map<string, Uint8Array>();
  files.set('config.json', json(hf));
  files.set('generation_config.json', json({ eos_token_id: eos, bos_token_id: null }));
  files.set('tokenizer.json', json(tok.tokenizerJson));
  files.set('tokenizer_config.json', json(tok.tokenizerConfig));
  const shards = opts.shards ?? 1;
  if (shards <= 1) {
    files.set('model.safetensors', writeSafetensors(tensors, { format: 'pt' }));
  } else {
    const sizes = tensors.map((t) => t.data.length * (dtype === 'bf16' ? 2 : 4));
    for (const [name, bytes] of writeShardedCheckpoint(tensors, shardLimitFor(sizes, shards)).files) files.set(name, bytes);
  }
  return files;
}

/** Shards save_pretrained's greedy split makes with this per-shard byte limit. */
function greedyShardCount(sizes: readonly number[], limit: number): number {
  let count = 0;
  let current = 0;
  for (const s of sizes) {
    if (current > 0 && current + s > limit) {
      count++;
      current = 0;
    }
    current += s;
  }
  return count + (current > 0 ? 1 : 0);
}

/** The smallest byte limit whose greedy split makes at most `shards` shards (exactly that many for tiny models). */
function shardLimitFor(sizes: readonly number[], shards: number): number {
  let lo = Math.max(...sizes);
  let hi = sizes.reduce((a, b) => a + b, 0);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (greedyShardCount(sizes, mid) <= shards) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
