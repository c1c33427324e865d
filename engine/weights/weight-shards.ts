import { SafeTuneError } from '../errors';
import { INDEX_FILE, parseShardIndex } from './weight-shard-index';
import type { ModelFiles } from './model-files';
import { readSafetensorsHeader, type DecodeOptions, type HostTensor, type SafetensorsFile, type TensorInfo } from './safetensors';
import { describeMissingWeights } from './missing-weights';

export const SINGLE_FILE = 'model.safetensors';
const UNINDEXED_SHARD = /^model-(\d{5})-of-(\d{5})\.safetensors$/;

/** Where a tensor lives: its place in `file` (a file of the model folder). */
export interface ShardTensorInfo extends TensorInfo {
  file: string;
}

/** The model's weights, in one safetensors file or several shards, read tensor by tensor. */
export interface WeightShards {
  /** The model folder's description, for messages. */
  readonly description: string;
  /** The safetensors files the weights come from. */
  readonly files: readonly string[];
  /** Every tensor name, shard by shard in file order. */
  names(): string[];
  has(name: string): boolean;
  /** Throws SafeTuneError('missing-tensor') for an unknown name. */
  info(name: string): ShardTensorInfo;
  /** One tensor as float32. Throws SafeTuneError('missing-tensor') for an unknown name (see DecodeOptions for the rest). */
  read(name: string, options?: DecodeOptions): Promise<HostTensor>;
  /** Every tensor, in names() order (reads file by file, front to back). */
  readAll(): Promise<Map<string, HostTensor>>;
  /**
   * Throws one SafeTuneError('missing-tensor') listing every name in `names` the weights lack ("tensor
   * model.layers.3.mlp.up_proj.weight is needed by the config but no shard has it").
   * @param neededBy who needs them, for the message (default "the config").
   */
  requireTensors(names: Iterable<string>, neededBy?: string): void;
}

/**
 * Opens a model folder's weights: model.safetensors, else model.safetensors.index.json and its shards, else (where
 * the source can list its files) a complete set of model-0000i-of-0000N.safetensors shards without an index. Every
 * file's header is read and validated here; tensor data is read on demand. adapter_model.safetensors is a LoRA
 * adapter, never taken for the model. Errors name the folder and the missing files / tensors.
 */
export async function openWeightShards(files: ModelFiles): Promise<WeightShards> {
  if (await files.has(SINGLE_FILE)) {
    const file = await readSafetensorsHeader(await files.open(SINGLE_FILE));
    return buildWeightShards(files.description, [[SINGLE_FILE, file]], tensorsOf(SINGLE_FILE, file));
  }
  if (await files.has(INDEX_FILE)) return openIndexed(files);

  const listing = await tryList(files);
  const unindexed = listing === undefined ? undefined : findUnindexedShards(listing);
  if (unindexed !== undefined) return openUnindexed(files, unindexed);
  throw await describeMissingWeights(files, listing);
}

async function openIndexed(files: ModelFiles): Promise<WeightShards> {
  const index = parseShardIndex(await files.text(INDEX_FILE), files.description);

  const present = await Promise.all(index.shards.map((shard) => files.has(shard)));
  const missing = index.shards.filter((_, i) => !present[i]);
  if (missing.length > 0) {
    const lines = missing.map((shard) => {
      const held = [...index.weightMap].filter(([, file]) => file === shard).map(([tensor]) => tensor);
      return `${shard} (should hold ${listNames(held, 3)})`;
    });
    throw new SafeTuneError(
      'missing-file',
      `${files.description}: ${INDEX_FILE} names ${missing.length === 1 ? 'a shard that is' : `${missing.length} shards that are`} missing: ${lines.join('; ')}`,
      'Download every shard the index lists (an interrupted download leaves some out), or pick the folder again.',
    );
  }

  const opened: [string, SafetensorsFile][] = [];
  for (const shard of index.shards) opened.push([shard, await readSafetensorsHeader(await files.open(shard))]);
  const byFile = new Map(opened);

  const tensors = new Map<string, ShardTensorInfo>();
  const unheld: string[] = [];
  for (const [tensor, shard] of index.weightMap) {
    const info = byFile.get(shard)?.tensors.get(tensor);
    if (info === undefined) unheld.push(`"${tensor}" to ${shard}`);
    else tensors.set(tensor, { ...info, file: shard });
  }
  if (unheld.length > 0) {
    throw new SafeTuneError(
      'missing-tensor',
      `${files.description}: ${INDEX_FILE} maps ${listNames(unheld, 10, '')}, but that shard has no such tensor`,
      'The index and the shards come from different versions of the model: download them again together.',
    );
  }
  return buildWeightShards(files.description, opened, inFileOrder(tensors, opened));
}

async function openUnindexed(files: ModelFiles, shards: string[]): Promise<WeightShards> {
  const opened: [string, SafetensorsFile][] = [];
  const tensors = new Map<string, ShardTensorInfo>();
  for (const shard of shards) {
    const file = await readSafetensorsHeader(await files.open(shard));
    opened.push([shard, file]);
    for (const [name, info] of tensorsOf(shard, file)) {
      const other = tensors.get(name);
      if (other !== undefined) {
        throw new SafeTuneError(
          'bad-safetensors',
          `${files.description}: tensor "${name}" is in both ${other.file} and ${shard}, and there is no ${INDEX_FILE} to say which one counts`,
          `Download the model's ${INDEX_FILE}, or remove the stray shard.`,
        );
      }
      tensors.set(name, info);
    }
  }
  return buildWeightShards(files.description, opened, tensors);
}

function buildWeightShards(
  description: string,
  opened: [string, SafetensorsFile][],
  tensors: Map<string, ShardTensorInfo>,
): WeightShards {
  const byFile = new Map(opened);
  const fileList = opened.map(([name]) => name);
  const singleFile = fileList.length === 1 ? fileList[0] : undefined;

  const info = (name: string): ShardTensorInfo => {
    const found = tensors.get(name);
    if (found === undefined) {
      throw new SafeTuneError('missing-tensor', `${description} has no tensor "${name}"`, `The weight files hold ${tensors.size} tensors; check the name.`);
    }
    return found;
  };
  // async, so an unknown name rejects the promise rather than throwing at the call.
  const read = async (name: string, options?: DecodeOptions): Promise<HostTensor> => {
    const where = info(name);
    return byFile.get(where.file)!.read(name, options);
  };

  return {
    description,
    files: fileList,
    names: () => [...tensors.keys()],
    has: (name) => tensors.has(name),
    info,
    read,
    async readAll() {
      const all = new Map<string, HostTensor>();
      for (const name of tensors.keys()) all.set(name, await read(name));
      return all;
    },
    requireTensors(names, neededBy = 'the config') {
      const missing = [...new Set(names)].filter((n) => !tensors.has(n));
      if (missing.length === 0) return;
      const nowhere = singleFile === undefined ? 'no shard has it' : `${singleFile} does not have it`;
      const message =
        missing.length === 1
          ? `tensor ${missing[0]} is needed by ${neededBy} but ${nowhere}`
          : `${missing.length} tensors are needed by ${neededBy} but ${singleFile === undefined ? 'no shard has them' : `${singleFile} does not have them`}: ${listNames(missing, 50, '')}`;
      throw new SafeTuneError(
        'missing-tensor',
        `${description}: ${message}`,
        `The weights do not match config.json: make sure the folder holds the model the config describes. ` +
          `The weight files have ${tensors.size} tensors, e.g. ${listNames([...tensors.keys()], 3)}.`,
      );
    },
  };
}

function tensorsOf(file: string, st: SafetensorsFile): Map<string, ShardTensorInfo> {
  const out = new Map<string, ShardTensorInfo>();
  for (const [name, info] of st.tensors) out.set(name, { ...info, file });
  return out;
}

/** Reorders index entries shard by shard, in file order, so readAll() reads each file front to back. */
function inFileOrder(tensors: Map<string, ShardTensorInfo>, opened: [string, SafetensorsFile][]): Map<string, ShardTensorInfo> {
  const out = new Map<string, ShardTensorInfo>();
  for (const [shard, file] of opened) {
    for (const name of file.tensors.keys()) {
      const info = tensors.get(name);
      if (info !== undefined && info.file === shard) out.set(name, info);
    }
  }
  return out;
}

/** A complete model-0000i-of-0000N set at the top of the folder, or undefined. */
function findUnindexedShards(listing: string[]): string[] | undefined {
  const matches = listing.map((p) => UNINDEXED_SHARD.exec(p)).filter((m): m is RegExpExecArray => m !== null);
  if (matches.length === 0) return undefined;
  const count = Number(matches[0]![2]);
  const present = new Set(matches.filter((m) => Number(m[2]) === count).map((m) => Number(m[1])));
  for (let i = 1; i <= count; i++) if (!present.has(i)) return undefined;
  if (matches.length !== count) return undefined; // shards of two different sets
  return matches.map((m) => m[0]).sort();
}

async function tryList(files: ModelFiles): Promise<string[] | undefined> {
  if (files.list === undefined) return undefined;
  try {
    return await files.list();
  } catch {
    return undefined; // the listing only improves a message; its failure must not replace the real error
  }
}

/** "a", "b", "c" and 7 more. */
export function listNames(names: string[], max: number, quote = '"'): string {
  const shown = names.slice(0, max).map((n) => `${quote}${n}${quote}`).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
