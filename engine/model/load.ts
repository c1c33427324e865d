import { SafeTuneError } from '../errors';
import { openWeightShards } from '../weights/weight-shards';
import type { ModelFiles } from '../weights/model-files';
import { CausalLM } from './causal-lm';
import { parseModelConfig, type ModelConfig } from './config';
import { expectedTensors, uploadBaseWeights } from './base-weights';
import { LoraAdapter, type HostLoraWeights, type LoraConfig } from './lora';

export interface LoadModelOptions {
  /** A trained adapter to apply (e.g. read by readPeftAdapter), or a fresh one to train. */
  adapter?: { kind: 'weights'; weights: HostLoraWeights } | { kind: 'init'; config: LoraConfig; seed: number };
  /** Called after each tensor reaches the backend. */
  onTensor?: (name: string, index: number, total: number) => void;
  /** Split the weights for this storage-binding limit instead of the device's (tests force chunking with it). */
  maxBindingBytes?: number;
}

/** config.json of a model folder, parsed and checked. Errors name the folder. */
export async function readModelConfig(files: ModelFiles): Promise<ModelConfig> {
  let raw: unknown;
  const text = await files.text('config.json');
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SafeTuneError('bad-config', `config.json in ${files.description} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseModelConfig(raw);
  } catch (e) {
    if (e instanceof SafeTuneError) throw new SafeTuneError(e.code, `${e.message} (in ${files.description})`, e.hint);
    throw e;
  }
}

/**
 * Loads a HF model folder (config.json + safetensors, single or sharded) onto the current tfjs backend. Every tensor
 * the config needs is checked to exist before any is uploaded, so a broken checkpoint fails fast and names them all.
 */
export async function loadCausalLM(files: ModelFiles, opts: LoadModelOptions = {}): Promise<CausalLM> {
  const config = await readModelConfig(files);
  const checkpoint = await openWeightShards(files);
  checkpoint.requireTensors(expectedTensors(config).keys(), `config.json (${config.architecture})`);
  const weights = await uploadBaseWeights(config, (name) => checkpoint.read(name), opts.onTensor, opts.maxBindingBytes);
  let adapter: LoraAdapter | undefined;
  if (opts.adapter?.kind === 'weights') adapter = LoraAdapter.fromHost(config, opts.adapter.weights);
  else if (opts.adapter?.kind === 'init') adapter = LoraAdapter.init(config, opts.adapter.config, opts.adapter.seed);
  return new CausalLM(config, weights, adapter);
}
