import { SafeTuneError } from '../errors';
import { isModelPath } from './model-path';

export const INDEX_FILE = 'model.safetensors.index.json';

/** model.safetensors.index.json: which shard holds each tensor. */
export interface ShardIndex {
  /** Tensor name -> shard file, in the index's order. */
  weightMap: Map<string, string>;
  /** Shard files in order of first appearance. */
  shards: string[];
}

/** Parses and checks an index file's text; errors name the file and say what is wrong with it. */
export function parseShardIndex(text: string, where: string): ShardIndex {
  const fail = (problem: string): never => {
    throw new SafeTuneError(
      'bad-safetensors',
      `${INDEX_FILE} in ${where} ${problem}`,
      'The index is damaged or hand-edited: download it again. It must look like {"metadata": {...}, "weight_map": {"tensor name": "shard file"}}.',
    );
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('is not a JSON object');
  const map = (json as Record<string, unknown>)['weight_map'];
  if (typeof map !== 'object' || map === null || Array.isArray(map)) fail('has no "weight_map" object');

  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [tensor, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== 'string') fail(`maps tensor "${tensor}" to ${JSON.stringify(file)}, not a file name`);
    if (!isModelPath(file as string)) fail(`maps tensor "${tensor}" to "${String(file)}", which is not a file inside the model folder`);
    weightMap.set(tensor, file as string);
    if (!shards.includes(file as string)) shards.push(file as string);
  }
  if (weightMap.size === 0) fail('maps no tensors (its "weight_map" is empty)');
  return { weightMap, shards };
}
