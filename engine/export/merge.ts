import { SafeTuneError } from '../errors';
import type { NamedHostTensor } from '../model/base-weights';
import { loraScale, type HostLoraWeights } from '../model/lora';
import { checkCheckpointMatchesConfig, readModelConfig } from '../model/load';
import { openWeightShards } from '../weights/weight-shards';
import { INDEX_FILE } from '../weights/weight-shard-index';
import type { ModelFiles } from '../weights/model-files';
import { floatDTypeBytes, isFloatStDType, type FloatStDType } from '../weights/safetensors-dtypes';
import { writeSafetensors, type TensorToWrite } from '../weights/safetensors-writer';
import { checkHostLoraWeights, type CheckedModule } from './host-lora-check';
import { configForDType } from './merged-config';
import { planShards, shardIndexJson } from './shard-plan';

/**
 * W + scale · B · A for one projection, as PEFT's merge_and_unload computes it. W: [out, in], A: [r, in], B: [out, r].
 * Each row of B·A is summed in float64 and the result rounded to float32 once, so the merged weight is as close to
 * the exact sum as float32 allows. Returns a new array; W is not modified.
 */
export function addLoraDelta(W: Float32Array, A: Float32Array, B: Float32Array, shape: { out: number; in: number; r: number }, scale: number): Float32Array {
  const { out, in: inn, r } = shape;
  const merged = new Float32Array(out * inn);
  const row = new Float64Array(inn); // one row of B·A
  for (let o = 0; o < out; o++) {
    row.fill(0);
    for (let k = 0; k < r; k++) {
      const b = B[o * r + k]!;
      if (b === 0) continue; // a freshly initialised B is all zeros
      const aRow = k * inn;
      for (let i = 0; i < inn; i++) row[i] = row[i]! + b * A[aRow + i]!;
    }
    const wRow = o * inn;
    for (let i = 0; i < inn; i++) merged[wRow + i] = W[wRow + i]! + scale * row[i]!;
  }
  return merged;
}

/**
 * The base tensors with every adapted projection's weight replaced by W + scale · B · A (scale = alpha / r, or
 * alpha / √r with rsLoRA); every other tensor is passed through untouched (the same object). The input map is not
 * modified. Throws SafeTuneError naming the tensor when the adapter does not fit the base model.
 */
export function mergeAdapter(baseTensors: ReadonlyMap<string, NamedHostTensor>, host: HostLoraWeights): Map<string, NamedHostTensor> {
  const { modules } = checkHostLoraWeights(host, 'cannot merge the adapter');
  const scale = loraScale(host.config);
  const merged = new Map(baseTensors);
  for (const m of modules) {
    const name = weightName(m);
    const base = baseTensors.get(name);
    if (base === undefined) {
      throw new SafeTuneError(
        'missing-tensor',
        `the base model has no tensor ${name}, which the adapter changes`,
        'The adapter was trained for a different base model: merge it into the model it was trained on.',
      );
    }
    checkFits(name, base.shape, m);
    if (base.data.length !== m.outFeatures * m.inFeatures) {
      throw new SafeTuneError('bad-shape', `tensor ${name} has shape [${base.shape.join(', ')}] but ${base.data.length} values`);
    }
    merged.set(name, { shape: [...base.shape], data: mergeModule(base.data, m, host.config.r, scale) });
  }
  return merged;
}

/** How a merged model is stored: a float dtype, or each tensor in the dtype the base checkpoint stores it in. */
export type MergedDType = FloatStDType | 'same-as-base';

export interface ExportMergedOptions {
  dtype: MergedDType;
  /**
   * Largest safetensors file, in bytes of tensor data (default 1 GB). Above it the weights are sharded
   * (model-00001-of-0000N.safetensors + model.safetensors.index.json). Smaller shards keep each download small and
   * bound the memory the export needs: one shard's float32 tensors at a time.
   */
  maxShardBytes?: number;
  /** Called after each tensor is written. */
  onTensor?: (name: string, index: number, total: number) => void;
}

export const DEFAULT_MAX_SHARD_BYTES = 1_000_000_000;

/** Files copied unchanged into a merged model folder when the base has them: tokenizer and generation settings. */
export const COPIED_FILES = [
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'chat_template.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
] as const;

/**
 * A plain Hugging Face model folder with the adapter merged into the weights, loadable as a base model (by SafeTune or
 * by transformers' from_pretrained): config.json (torch_dtype updated to the exported dtype), the weights as one
 * model.safetensors or as shards with an index, and the base's tokenizer files and generation_config.json.
 * Tensors are read, merged and encoded one shard at a time.
 *
 * @returns file name -> bytes.
 */
export async function exportMergedModel(files: ModelFiles, host: HostLoraWeights, opts: ExportMergedOptions): Promise<Map<string, Uint8Array>> {
  const dtype = opts.dtype;
  if (!(dtype === 'same-as-base' || isFloatStDType(dtype))) {
    throw new SafeTuneError('bad-argument', `unknown export dtype ${JSON.stringify(dtype)}`, 'Choose F32, BF16, F16 or same-as-base.');
  }
  const { modules } = checkHostLoraWeights(host, 'cannot merge the adapter');
  const config = await readModelConfig(files);
  const checkpoint = await openWeightShards(files);
  checkCheckpointMatchesConfig(config, checkpoint); // the same model loadCausalLM would load, or an error naming why not
  const adapted = new Map(modules.map((m) => [weightName(m), m]));
  checkpoint.requireTensors(adapted.keys(), 'the adapter');
  // Fail before reading gigabytes: every adapted weight's shape is known from the headers.
  for (const [name, m] of adapted) checkFits(name, checkpoint.info(name).shape, m);

  const outDType = (name: string): FloatStDType => {
    if (dtype !== 'same-as-base') return dtype;
    const info = checkpoint.info(name);
    if (!isFloatStDType(info.dtype)) {
      throw new SafeTuneError('bad-safetensors', `tensor ${name} in ${info.file} is stored as ${info.dtype}`, 'Only float checkpoints (F32, F16, BF16) can be merged.');
    }
    return info.dtype;
  };
  const names = checkpoint.names();
  const plan = planShards(
    names.map((name) => ({ name, bytes: checkpoint.info(name).shape.reduce((a, b) => a * b, 1) * floatDTypeBytes(outDType(name)) })),
    opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES,
  );

  const out = new Map<string, Uint8Array>();
  const configBytes = await readWhole(files, 'config.json');
  out.set('config.json', dtype === 'same-as-base' ? configBytes : configForDType(configBytes, dtype, `config.json in ${files.description}`));

  const scale = loraScale(host.config);
  let done = 0;
  for (const shard of plan.shards) {
    const tensors: TensorToWrite[] = [];
    for (const name of shard.names) {
      const t = await checkpoint.read(name, { requireFinite: true }); // as loadCausalLM reads them: a NaN weight is named, not merged
      const m = adapted.get(name);
      const data = m === undefined ? t.data : mergeModule(t.data, m, host.config.r, scale);
      tensors.push({ name, shape: t.shape, data, dtype: outDType(name) });
    }
    // Metadata {"format": "pt"}: transformers checks it when it loads safetensors weights.
    out.set(shard.file, writeSafetensors(tensors, { format: 'pt' }));
    for (const t of tensors) opts.onTensor?.(t.name, done++, names.length);
  }
  if (plan.shards.length > 1) out.set(INDEX_FILE, new TextEncoder().encode(shardIndexJson(plan.shards, plan.totalBytes)));

  for (const file of COPIED_FILES) {
    if (await files.has(file)) out.set(file, await readWhole(files, file));
  }
  return out;
}

function weightName(m: CheckedModule): string {
  return `${m.path}.weight`;
}

function mergeModule(W: Float32Array, m: CheckedModule, r: number, scale: number): Float32Array {
  return addLoraDelta(W, m.A, m.B, { out: m.outFeatures, in: m.inFeatures, r }, scale);
}

/** The base weight must be [out, in] of the adapter's B [out, r] · A [r, in]. */
function checkFits(name: string, shape: readonly number[], m: CheckedModule): void {
  if (shape.length !== 2 || shape[0] !== m.outFeatures || shape[1] !== m.inFeatures) {
    throw new SafeTuneError(
      'bad-adapter',
      `the adapter for ${m.path} maps ${m.inFeatures} -> ${m.outFeatures} features but the base tensor ${name} has shape [${shape.join(', ')}]`,
      'The adapter was trained for a different base model: merge it into the model it was trained on.',
    );
  }
}

/** A whole file, copied (a view could alias the source's buffer, which a transfer to another thread would detach). */
async function readWhole(files: ModelFiles, path: string): Promise<Uint8Array> {
  const source = await files.open(path);
  return (await source.read(0, source.size)).slice();
}
