import { SafeTuneError } from '../errors';
import { ADAPTER_WEIGHTS_FILE, readPeftAdapter } from '../export/peft-adapter';
import { listNames, openWeightShards, type WeightShards } from '../weights/weight-shards';
import type { ModelFiles } from '../weights/model-files';
import { CausalLM } from './causal-lm';
import { parseModelConfig, type ModelConfig } from './config';
import { expectedTensors, ignoredByHf, layerOfTensor, uploadBaseWeights } from './base-weights';
import { LoraAdapter, type HostLoraWeights, type LoraConfig } from './lora';

export interface LoadModelOptions {
  /**
   * An adapter to apply: a PEFT adapter folder (read and checked against this model's config.json before any weight
   * is uploaded), host weights already read (`source` names them in messages), or a fresh one to train.
   */
  adapter?:
    | { kind: 'peft'; files: ModelFiles }
    | { kind: 'weights'; weights: HostLoraWeights; source?: string }
    | { kind: 'init'; config: LoraConfig; seed: number };
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
 * Loads a HF model folder (config.json + safetensors, single or sharded) onto the current tfjs backend. The checkpoint
 * is checked against config.json (checkCheckpointMatchesConfig) and the adapter against the model before any tensor
 * is uploaded, so a broken or mismatched folder fails fast and names what is wrong. A NaN or infinite weight is an
 * error naming the tensor and its file.
 */
export async function loadCausalLM(files: ModelFiles, opts: LoadModelOptions = {}): Promise<CausalLM> {
  const config = await readModelConfig(files);
  const checkpoint = await openWeightShards(files);
  checkCheckpointMatchesConfig(config, checkpoint);
  // The adapter before the base weights: it is checked against the model, and small, so a mismatch fails fast.
  const adapter = await buildAdapter(opts.adapter, config);
  try {
    const weights = await uploadBaseWeights(config, (name) => checkpoint.read(name, { requireFinite: true }), opts.onTensor, opts.maxBindingBytes);
    return new CausalLM(config, weights, adapter);
  } catch (e) {
    adapter?.dispose();
    throw e;
  }
}

async function buildAdapter(spec: LoadModelOptions['adapter'], config: ModelConfig): Promise<LoraAdapter | undefined> {
  if (spec?.kind === 'init') return LoraAdapter.init(config, spec.config, spec.seed);
  const host = await adapterWeights(spec, config);
  return host === undefined ? undefined : LoraAdapter.fromHost(config, host.weights, host.source);
}

/** The host weights of a PEFT or in-memory adapter (undefined for none or a fresh one), with where they came from. */
async function adapterWeights(adapter: LoadModelOptions['adapter'], config: ModelConfig): Promise<{ weights: HostLoraWeights; source: string } | undefined> {
  if (adapter?.kind === 'peft') {
    // The model's config makes readPeftAdapter check the adapter's layer count and every shape against this model.
    return { weights: await readPeftAdapter(adapter.files, config), source: `${ADAPTER_WEIGHTS_FILE} in ${adapter.files.description}` };
  }
  if (adapter?.kind === 'weights') return { weights: adapter.weights, source: adapter.source ?? 'the adapter' };
  return undefined;
}

/**
 * The checkpoint must hold exactly the model config.json describes: every tensor it needs (with the layer count
 * checked first, so an absurd num_hidden_layers fails before per-layer names are built) and nothing it does not
 * account for (q_norm under a Llama config, biases the config switches off, a layer past num_hidden_layers), which
 * would otherwise load as a silently different model. Tensors HF itself skips (ignoredByHf) are tolerated.
 * Throws SafeTuneError naming the tensor, its file and config.json.
 */
export function checkCheckpointMatchesConfig(config: ModelConfig, checkpoint: WeightShards): void {
  checkLayerCount(config, checkpoint);
  const expected = expectedTensors(config);
  checkpoint.requireTensors(expected.keys(), `config.json (${config.architecture})`);
  rejectUnaccountedTensors(config, checkpoint, expected);
}

/** num_hidden_layers against the decoder layers the weights hold tensors for: a cheap pass over the names. */
function checkLayerCount(config: ModelConfig, checkpoint: WeightShards): void {
  const layers = new Set<number>();
  let deepest: { layer: number; name: string } | undefined;
  for (const name of checkpoint.names()) {
    const layer = layerOfTensor(name);
    if (layer === undefined) continue;
    layers.add(layer);
    if (deepest === undefined || layer > deepest.layer) deepest = { layer, name };
  }
  const where = `${checkpoint.description}: config.json's num_hidden_layers is ${config.numLayers}`;
  if (deepest !== undefined && deepest.layer >= config.numLayers) {
    throw new SafeTuneError(
      'bad-config',
      `${where}, but tensor "${deepest.name}" in ${checkpoint.info(deepest.name).file} is for layer ${deepest.layer}`,
      'config.json and the weights come from different models (or num_hidden_layers was edited): set num_hidden_layers to the checkpoint\'s layer count, or download both again from the same repository.',
    );
  }
  if (layers.size < config.numLayers) {
    const held = deepest === undefined ? 'no model.layers.* tensors' : `tensors for ${layers.size} layer${layers.size === 1 ? '' : 's'} only (the deepest is layer ${deepest.layer})`;
    throw new SafeTuneError(
      'bad-config',
      `${where}, but the weights (${checkpoint.files.join(', ')}) hold ${held}`,
      'config.json and the weights come from different models, or a shard is missing: download both again from the same repository.',
    );
  }
}

/** Tensors the config does not use (nor HF): an error naming them, their files and config.json. */
function rejectUnaccountedTensors(config: ModelConfig, checkpoint: WeightShards, expected: ReadonlyMap<string, number[]>): void {
  const stray = checkpoint.names().filter((name) => !expected.has(name) && !ignoredByHf(name, config));
  if (stray.length === 0) return;
  const named = stray.map((name) => `"${name}" (${checkpoint.info(name).file})`);
  throw new SafeTuneError(
    'bad-config',
    `${checkpoint.description}: ${stray.length === 1 ? 'tensor' : `${stray.length} tensors`} ${listNames(named, 5, '')} ${stray.length === 1 ? 'is' : 'are'} not part of the model config.json describes (${describeConfig(config)})`,
    strayHint(stray[0]!),
  );
}

function describeConfig(c: ModelConfig): string {
  return `${c.architecture}, ${c.numLayers} layers, attention_bias ${c.attentionBias}, mlp_bias ${c.mlpBias}, tie_word_embeddings ${c.tieWordEmbeddings}`;
}

/** What usually makes a checkpoint carry such a tensor, so the hint points at the key to check. */
function strayHint(name: string): string {
  const fix = 'config.json and the safetensors must describe the same model: download both again from the same repository.';
  if (/\.(q|k)_norm\.weight$/.test(name)) return `q_norm / k_norm belong to Qwen3: check "architectures" and "model_type" in config.json. ${fix}`;
  if (name.endsWith('.bias')) return `Check "architectures" (Qwen2 has q / k / v biases), "attention_bias" and "mlp_bias" in config.json. ${fix}`;
  return `Check "architectures", "num_hidden_layers" and "tie_word_embeddings" in config.json. ${fix}`;
}
