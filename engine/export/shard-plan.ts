import { SafeTuneError } from '../errors';
import { SINGLE_FILE } from '../weights/weight-shards';
import { shardFileName } from '../weights/safetensors-writer';

/** One output file and the tensors it will hold, in order. */
export interface PlannedShard {
  file: string;
  names: string[];
}

/**
 * Decides which tensor goes to which file before any tensor is read, so a merged model can be written one shard at a
 * time (only that shard's float32 tensors in memory). The rule is writeShardedCheckpoint's (transformers'
 * save_pretrained): greedy in the given order, a shard closes when the next tensor would take it past
 * `maxShardBytes`, a tensor larger than the limit gets a shard of its own, and a single shard is model.safetensors.
 * The export tests hold the result to writeShardedCheckpoint's, file for file.
 */
export function planShards(tensors: readonly { name: string; bytes: number }[], maxShardBytes: number): { shards: PlannedShard[]; totalBytes: number } {
  if (!(Number.isSafeInteger(maxShardBytes) && maxShardBytes > 0)) {
    throw new SafeTuneError('bad-argument', `maxShardBytes must be a positive whole number of bytes, got ${maxShardBytes}`);
  }
  const groups: string[][] = [];
  let current: string[] = [];
  let currentBytes = 0;
  let totalBytes = 0;
  for (const t of tensors) {
    totalBytes += t.bytes;
    if (t.bytes > maxShardBytes) {
      groups.push([t.name]);
      continue;
    }
    if (currentBytes + t.bytes > maxShardBytes && current.length > 0) {
      groups.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(t.name);
    currentBytes += t.bytes;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  const shards = groups.map((names, i) => ({ file: groups.length === 1 ? SINGLE_FILE : shardFileName(i + 1, groups.length), names }));
  return { shards, totalBytes };
}

/** model.safetensors.index.json as save_pretrained writes it: json.dumps(index, indent=2, sort_keys=True) + "\n". */
export function shardIndexJson(shards: readonly PlannedShard[], totalBytes: number): string {
  const weightMap: Record<string, string> = {};
  const names = shards.flatMap((s) => s.names.map((name) => [name, s.file] as const));
  for (const [name, file] of [...names].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    Object.defineProperty(weightMap, name, { value: file, enumerable: true, writable: true, configurable: true });
  }
  return `${JSON.stringify({ metadata: { total_size: totalBytes }, weight_map: weightMap }, null, 2)}\n`;
}
