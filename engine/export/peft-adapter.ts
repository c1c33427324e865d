import { SafeTuneError } from '../errors';
import type { ModelConfig } from '../model/config';
import { LORA_TARGETS, modulePath, projectionShape, type HostLoraWeights, type LoraTarget } from '../model/lora';
import { listNames } from '../weights/weight-shards';
import type { ModelFiles } from '../weights/model-files';
import { readSafetensorsHeader, type TensorInfo } from '../weights/safetensors';
import { writeSafetensors } from '../weights/safetensors-writer';
import { checkHostLoraWeights } from './host-lora-check';
import { ADAPTER_CONFIG_FILE, buildAdapterConfig, parseAdapterConfig, pythonJsonDumps, type PeftLoraAdapterConfig } from './peft-config';
import { parsePeftTensorName, peftTensorName, type PeftTensorKey } from './peft-tensor-names';
import { resolveTargetModules } from './target-modules';

export { ADAPTER_CONFIG_FILE } from './peft-config';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/** A PEFT adapter folder's two files, ready to download. */
export interface WrittenPeftAdapter {
  adapterConfig: PeftLoraAdapterConfig;
  /** adapter_config.json's text, byte for byte as PEFT writes it (json.dumps(indent=2, sort_keys=True)). */
  adapterConfigJson: string;
  /** adapter_model.safetensors. */
  safetensors: Uint8Array;
}

/**
 * Writes an adapter as PEFT's save_pretrained does: adapter_model.safetensors with F32
 * base_model.model.<module>.lora_A.weight [r, in] and .lora_B.weight [out, r] (metadata {"format": "pt"}), and
 * adapter_config.json. Pure: no GPU, no I/O. Loadable with PeftModel.from_pretrained(base, folder).
 *
 * @param baseModel base_model_name_or_path: the hub id (or path) of the model the adapter was trained on.
 */
export function writePeftAdapter(host: HostLoraWeights, baseModel: string): WrittenPeftAdapter {
  if (typeof baseModel !== 'string' || baseModel.trim() === '') {
    throw new SafeTuneError('bad-argument', 'the base model name for adapter_config.json is empty', 'Pass the hub id of the base model, e.g. "HuggingFaceTB/SmolLM2-135M".');
  }
  const { modules } = checkHostLoraWeights(host, 'cannot write the PEFT adapter');
  const r = host.config.r;
  const tensors = modules.flatMap((m) => [
    { name: peftTensorName(m.path, 'A'), shape: [r, m.inFeatures], data: m.A, dtype: 'F32' as const },
    { name: peftTensorName(m.path, 'B'), shape: [m.outFeatures, r], data: m.B, dtype: 'F32' as const },
  ]);
  const adapterConfig = buildAdapterConfig(host.config, baseModel);
  return {
    adapterConfig,
    adapterConfigJson: pythonJsonDumps(adapterConfig),
    safetensors: writeSafetensors(tensors, { format: 'pt' }),
  };
}

/** File name -> bytes of a written adapter: what an adapter folder (or a hub repo) holds. */
export function peftAdapterFiles(written: WrittenPeftAdapter): Map<string, Uint8Array> {
  return new Map([
    [ADAPTER_CONFIG_FILE, new TextEncoder().encode(written.adapterConfigJson)],
    [ADAPTER_WEIGHTS_FILE, written.safetensors],
  ]);
}

/**
 * Reads a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors; F32, F16 or BF16 tensors) into
 * host weights, or throws SafeTuneError('bad-adapter') naming the option or tensor and the file. Options SafeTune
 * cannot apply (DoRA, rank_pattern, biases, partial layers, embedding / lm_head targets, ...) are rejected; so are
 * missing, unexpected and mis-shaped tensors.
 *
 * @param model the base model's config, when known: then the layer count and every shape are checked against it.
 *   Without it, the layers are those the tensors name, and shapes are checked for consistency only.
 */
export async function readPeftAdapter(files: ModelFiles, model?: ModelConfig): Promise<HostLoraWeights> {
  const configWhere = `${ADAPTER_CONFIG_FILE} in ${files.description}`;
  const weightsWhere = `${ADAPTER_WEIGHTS_FILE} in ${files.description}`;
  if (!(await files.has(ADAPTER_CONFIG_FILE))) {
    throw new SafeTuneError(
      'missing-file',
      `${files.description} has no ${ADAPTER_CONFIG_FILE}`,
      `A PEFT adapter folder holds ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}: pick the folder save_pretrained wrote.`,
    );
  }
  const parsed = parseAdapterConfig(await files.text(ADAPTER_CONFIG_FILE), configWhere);
  if (!(await files.has(ADAPTER_WEIGHTS_FILE))) {
    const pickle = await files.has('adapter_model.bin');
    throw new SafeTuneError(
      'missing-file',
      `${files.description} has no ${ADAPTER_WEIGHTS_FILE}${pickle ? ' (only adapter_model.bin, a PyTorch pickle)' : ''}`,
      pickle
        ? 'SafeTune reads safetensors only: load the adapter in PEFT and save it again with save_pretrained(..., safe_serialization=True).'
        : `Add ${ADAPTER_WEIGHTS_FILE} next to ${ADAPTER_CONFIG_FILE}.`,
    );
  }
  const file = await readSafetensorsHeader(await files.open(ADAPTER_WEIGHTS_FILE));
  const fail: Fail = (message, hint) => {
    throw new SafeTuneError('bad-adapter', `${weightsWhere}: ${message}`, hint);
  };

  const found = collectLoraTensors(file.tensors, fail);
  if (found.size === 0) fail('holds no LoRA tensors', 'The file is empty or is not a LoRA adapter: export it again.');

  const numLayers = adapterLayerCount(found, model, fail);
  const targets = resolveTargetModules(parsed.targetModules, parsed.excludeModules, numLayers, configWhere);

  const stray = [...found.values()].filter((f) => !targets.includes(f.key.target)).map((f) => f.info.name);
  if (stray.length > 0) {
    fail(
      `holds ${list(stray)} for projections that its target_modules (${targets.join(', ')}) do not include`,
      `${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE} come from different adapters: export them again together.`,
    );
  }
  requireEveryModule(found, targets, numLayers, fail);

  const shapes = new Map<LoraTarget, { inFeatures: number; outFeatures: number; from: string }>();
  const modules: HostLoraWeights['modules'] = new Map();
  for (let layer = 0; layer < numLayers; layer++) {
    for (const target of targets) {
      const path = modulePath(layer, target);
      const a = found.get(`${path}/A`)!.info;
      const b = found.get(`${path}/B`)!.info;
      const [inFeatures, outFeatures] = checkFactorShapes(a, b, parsed.r, fail);
      const want = model === undefined ? shapes.get(target) : { ...toFeatures(projectionShape(model, target)), from: 'the base model' };
      if (want !== undefined && (want.inFeatures !== inFeatures || want.outFeatures !== outFeatures)) {
        fail(
          `tensors "${a.name}" [${a.shape.join(', ')}] and "${b.name}" [${b.shape.join(', ')}] map ${inFeatures} -> ${outFeatures} features, but ${want.from} maps ${want.inFeatures} -> ${want.outFeatures} for ${target}`,
          'The adapter was trained for a different base model: load the model named in adapter_config.json.',
        );
      }
      if (!shapes.has(target)) shapes.set(target, { inFeatures, outFeatures, from: `"${a.name}" / "${b.name}"` });
      const [A, B] = [await file.read(a.name), await file.read(b.name)];
      for (const t of [A, B]) {
        const bad = t.data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) fail(`tensor "${t.name}" holds ${t.data[bad]} at index ${bad}`, 'The adapter comes from a run that diverged: use an earlier checkpoint of it.');
      }
      modules.set(path, { A: A.data, B: B.data, aShape: [parsed.r, inFeatures], bShape: [outFeatures, parsed.r] });
    }
  }
  return {
    config: { r: parsed.r, alpha: parsed.alpha, dropout: parsed.dropout, targets, useRslora: parsed.useRslora },
    modules,
  };
}

type Fail = (message: string, hint: string) => never;
type FoundTensor = { key: PeftTensorKey; info: TensorInfo };
type FoundTensors = Map<string, FoundTensor>;

/**
 * The decoder layers the adapter must cover: the base model's when known, else those its tensors name. Layer indices
 * come from tensor names, which are untrusted, and every per-layer list below is built for this many layers: so a
 * layer the file cannot possibly complete (an index at or past its tensor count, or a model with more layers than
 * the file has tensors) is an error here, naming the tensor, instead of a loop over millions of layers.
 */
function adapterLayerCount(found: FoundTensors, model: ModelConfig | undefined, fail: Fail): number {
  const deepest = deepestTensor(found);
  const layer = deepest.key.layer;
  const wrongModel = 'The adapter was trained for a different base model: load the model named in adapter_config.json.';
  if (model !== undefined && layer >= model.numLayers) {
    fail(`tensor "${deepest.info.name}" is for layer ${layer} but the base model has ${model.numLayers} layers`, wrongModel);
  }
  // Every layer holds at least one lora_A / lora_B pair, so N tensors cover at most N layers (N / 2, strictly, but
  // the looser bound keeps the clearer "lacks tensor ..." message for a file that is merely missing a few).
  if (layer >= found.size) {
    fail(
      `tensor "${deepest.info.name}" is for layer ${layer}, but the file holds only ${found.size} LoRA tensors, too few for layers 0 to ${layer}`,
      'The tensor name is damaged or the file is incomplete: export the adapter again.',
    );
  }
  if (model !== undefined && model.numLayers > found.size) {
    fail(`holds ${found.size} LoRA tensors (layers 0 to ${layer} at most), too few for the base model's ${model.numLayers} layers`, wrongModel);
  }
  return model?.numLayers ?? layer + 1;
}

/** The tensor with the highest layer index (the first such in file order). */
function deepestTensor(found: FoundTensors): FoundTensor {
  let deepest: FoundTensor | undefined;
  for (const f of found.values()) if (deepest === undefined || f.key.layer > deepest.key.layer) deepest = f;
  return deepest!;
}

/** The file's tensors by "<module path>/<A|B>": every tensor must be lora_A or lora_B of a projection, each once. */
function collectLoraTensors(tensors: ReadonlyMap<string, TensorInfo>, fail: Fail): FoundTensors {
  const found: FoundTensors = new Map();
  const unexpected: string[] = [];
  for (const [name, info] of tensors) {
    const key = parsePeftTensorName(name);
    if (key === undefined) {
      unexpected.push(name);
      continue;
    }
    const slot = `${key.path}/${key.factor}`;
    const earlier = found.get(slot);
    if (earlier !== undefined) fail(`tensors "${earlier.info.name}" and "${name}" are both lora_${key.factor} of ${key.path}`, 'Keep one of them: export the adapter again.');
    found.set(slot, { key, info });
  }
  if (unexpected.length > 0) {
    fail(
      `holds ${unexpected.length === 1 ? 'a tensor' : `${unexpected.length} tensors`} that ${unexpected.length === 1 ? 'is' : 'are'} not lora_A / lora_B of a projection: ${list(unexpected)}`,
      `SafeTune adapters hold only lora_A / lora_B of ${LORA_TARGETS.join(', ')} (DoRA magnitudes, biases, embedding or lm_head weights are not supported).`,
    );
  }
  return found;
}

/** Both factors of every target in every layer must be there. */
function requireEveryModule(found: FoundTensors, targets: readonly LoraTarget[], numLayers: number, fail: Fail): void {
  const missing: string[] = [];
  for (let layer = 0; layer < numLayers; layer++) {
    for (const target of targets) {
      for (const factor of ['A', 'B'] as const) {
        if (!found.has(`${modulePath(layer, target)}/${factor}`)) missing.push(peftTensorName(modulePath(layer, target), factor));
      }
    }
  }
  if (missing.length > 0) {
    fail(
      `lacks ${missing.length === 1 ? 'tensor' : `${missing.length} tensors`} ${list(missing)} that target_modules (${targets.join(', ')}) call for`,
      'The file is incomplete or was trained on fewer layers: export the adapter again.',
    );
  }
}

/** [in, out] of a lora_A [r, in] / lora_B [out, r] pair, after checking both are 2-D with rank r. */
function checkFactorShapes(a: TensorInfo, b: TensorInfo, r: number, fail: Fail): [number, number] {
  const hint = 'r in adapter_config.json must be the rank the tensors were trained with: export the adapter again.';
  if (a.shape.length !== 2 || a.shape[0] !== r) fail(`tensor "${a.name}" has shape [${a.shape.join(', ')}]; lora_A must be [r, in] with r = ${r} from ${ADAPTER_CONFIG_FILE}`, hint);
  if (b.shape.length !== 2 || b.shape[1] !== r) fail(`tensor "${b.name}" has shape [${b.shape.join(', ')}]; lora_B must be [out, r] with r = ${r} from ${ADAPTER_CONFIG_FILE}`, hint);
  return [a.shape[1]!, b.shape[0]!];
}

function toFeatures([outFeatures, inFeatures]: [number, number]): { inFeatures: number; outFeatures: number } {
  return { inFeatures, outFeatures };
}

function list(names: string[]): string {
  return listNames(names, 5);
}
