import { SafeTuneError } from '../errors';
import { f32ToBf16Array, f32ToF16Array } from './dtype';
import { floatDTypeBytes, isFloatStDType, type FloatStDType } from './safetensors-dtypes';

/** One tensor to write: float32 values, stored as `dtype`. */
export interface TensorToWrite {
  name: string;
  shape: number[];
  /** Row-major, product(shape) elements. */
  data: Float32Array;
  dtype: FloatStDType;
}

/**
 * Serialises tensors to a safetensors file, laid out as the reference writer (huggingface/safetensors) does:
 * u64 header length, JSON header padded with spaces to a multiple of 8 bytes, then the data. Tensors keep the given
 * order among those of the same element size; 4-byte (F32) tensors come before 2-byte ones, so every tensor starts at
 * a multiple of its element size (an F32 after an odd-length F16 tensor would not). F16 / BF16 round to nearest even.
 * Throws SafeTuneError('bad-argument') for a malformed tensor list.
 */
export function writeSafetensors(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  checkTensors(tensors);
  const ordered = orderForAlignment(tensors);

  const entries: string[] = [];
  if (metadata !== undefined) entries.push(`"__metadata__":${metadataJson(metadata)}`);
  let dataBytes = 0;
  for (const t of ordered) {
    const byteLength = t.data.length * floatDTypeBytes(t.dtype);
    // Built by hand rather than via an object: keys like "__proto__" or "0" would be lost or reordered.
    entries.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${dataBytes},${dataBytes + byteLength}]}`,
    );
    dataBytes += byteLength;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + dataBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // space padding: still valid JSON

  let at = 8 + headerLength;
  for (const t of ordered) {
    const encoded = encode(t);
    out.set(new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength), at);
    at += encoded.byteLength;
  }
  return out;
}

/** A sharded checkpoint as files to write into a model folder. */
export interface ShardedCheckpoint {
  /** File name -> bytes: the shards, plus model.safetensors.index.json when there is more than one. */
  files: Map<string, Uint8Array>;
}

/**
 * Splits tensors into shards of at most `maxShardBytes` of tensor data, as transformers' save_pretrained does
 * (greedy in the given order; a tensor larger than the limit gets a shard of its own), and writes them as
 * model-00001-of-0000N.safetensors plus model.safetensors.index.json ({"metadata": {"total_size"}, "weight_map"}).
 * Like save_pretrained, a checkpoint that fits in one shard is written as a single model.safetensors with no index.
 * Each shard carries the metadata {"format": "pt"}, which transformers checks when it loads safetensors.
 */
export function writeShardedCheckpoint(tensors: readonly TensorToWrite[], maxShardBytes: number): ShardedCheckpoint {
  if (!(Number.isSafeInteger(maxShardBytes) && maxShardBytes > 0)) {
    throw new SafeTuneError('bad-argument', `maxShardBytes must be a positive whole number of bytes, got ${maxShardBytes}`);
  }
  checkTensors(tensors);
  const shards: TensorToWrite[][] = [];
  let current: TensorToWrite[] = [];
  let currentBytes = 0;
  let totalBytes = 0;
  for (const t of tensors) {
    const bytes = t.data.length * floatDTypeBytes(t.dtype);
    totalBytes += bytes;
    if (bytes > maxShardBytes) {
      shards.push([t]);
      continue;
    }
    if (currentBytes + bytes > maxShardBytes && current.length > 0) {
      shards.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(t);
    currentBytes += bytes;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);

  const shardMetadata = { format: 'pt' };
  const files = new Map<string, Uint8Array>();
  if (shards.length === 1) {
    files.set('model.safetensors', writeSafetensors(tensors, shardMetadata));
    return { files };
  }
  const weightMap: [string, string][] = [];
  shards.forEach((shard, i) => {
    const fileName = shardFileName(i + 1, shards.length);
    files.set(fileName, writeSafetensors(shard, shardMetadata));
    for (const t of shard) weightMap.push([t.name, fileName]);
  });
  files.set('model.safetensors.index.json', new TextEncoder().encode(indexJson(totalBytes, weightMap)));
  return { files };
}

/** transformers' shard naming: model-00001-of-00003.safetensors. */
export function shardFileName(index: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `model-${pad(index)}-of-${pad(count)}.safetensors`;
}

/** The index as save_pretrained writes it: json.dumps(index, indent=2, sort_keys=True) + "\n". */
function indexJson(totalBytes: number, weightMap: [string, string][]): string {
  const sorted = [...weightMap].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = sorted.map(([name, file]) => `    ${JSON.stringify(name)}: ${JSON.stringify(file)}`);
  return `{\n  "metadata": {\n    "total_size": ${totalBytes}\n  },\n  "weight_map": {\n${lines.join(',\n')}\n  }\n}\n`;
}

function metadataJson(metadata: Record<string, string>): string {
  const parts = Object.entries(metadata).map(([k, v]) => {
    if (typeof v !== 'string') {
      throw new SafeTuneError('bad-argument', `safetensors metadata "${k}" must be a string, got ${typeof v}`);
    }
    return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
  });
  return `{${parts.join(',')}}`;
}

/** Stable: the given order within each element size, larger elements first. */
function orderForAlignment(tensors: readonly TensorToWrite[]): TensorToWrite[] {
  return [...tensors.filter((t) => t.dtype === 'F32'), ...tensors.filter((t) => t.dtype !== 'F32')];
}

function encode(t: TensorToWrite): Float32Array | Uint16Array {
  if (t.dtype === 'F32') return t.data;
  return t.dtype === 'BF16' ? f32ToBf16Array(t.data) : f32ToF16Array(t.data);
}

function checkTensors(tensors: readonly TensorToWrite[]): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    const fail = (problem: string): never => {
      throw new SafeTuneError('bad-argument', `cannot write tensor "${t.name}": ${problem}`);
    };
    if (typeof t.name !== 'string' || t.name === '' || t.name === '__metadata__') fail('the name must be a non-empty string other than "__metadata__"');
    if (seen.has(t.name)) fail('two tensors have this name');
    seen.add(t.name);
    if (!isFloatStDType(t.dtype)) fail(`dtype ${String(t.dtype)} is not F32, F16 or BF16`);
    if (!(t.data instanceof Float32Array)) fail('data must be a Float32Array');
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`shape ${JSON.stringify(t.shape)} must be whole numbers >= 0`);
    }
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) fail(`shape [${t.shape.join(', ')}] has ${elements} elements but data has ${t.data.length}`);
  }
}
