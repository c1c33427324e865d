import { SafeTuneError } from '../errors';
import type { ModelFiles } from './model-files';

/** Files that tell why a folder has no usable safetensors weights, with what to do about each. */
const LOOKALIKES: { test: (path: string) => boolean; probe?: string; hint: string }[] = [
  {
    test: (p) => p === 'adapter_model.safetensors' || p === 'adapter_config.json',
    probe: 'adapter_config.json',
    hint: 'This is a LoRA adapter, not a base model: load its base model (named in adapter_config.json as base_model_name_or_path) and then the adapter.',
  },
  {
    test: (p) => /^pytorch_model.*\.bin(\.index\.json)?$/.test(p),
    probe: 'pytorch_model.bin',
    hint: 'This repo only has PyTorch .bin weights (pickle), which SafeTune does not read: pick a repo with safetensors weights, or convert them with transformers (save_pretrained(..., safe_serialization=True)).',
  },
  {
    test: (p) => p.endsWith('.gguf'),
    hint: 'GGUF files are quantized for llama.cpp: pick the original Hugging Face repo of the model instead.',
  },
  {
    test: (p) => p.endsWith('.onnx'),
    hint: 'ONNX exports cannot be fine-tuned here: pick the original repo of the model (without the onnx/ export).',
  },
  {
    test: (p) => /^consolidated(\.\d+)?\.(safetensors|pth)$/.test(p),
    hint: 'consolidated.* files use the original (non-Hugging Face) layout: pick the transformers version of the model.',
  },
  {
    test: (p) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(p),
    hint: 'Some shards are there but the set is incomplete and model.safetensors.index.json is missing: download every shard and the index.',
  },
];

/**
 * The error for a folder with neither model.safetensors nor model.safetensors.index.json: it lists what the folder has
 * (when the source can list it, else it probes a few telling names) and picks the most useful hint.
 */
export async function describeMissingWeights(files: ModelFiles, listing: string[] | undefined): Promise<SafeTuneError> {
  let seen = listing;
  if (seen === undefined) {
    const probes = LOOKALIKES.flatMap((l) => (l.probe === undefined ? [] : [l.probe]));
    const found = await Promise.all(probes.map((p) => files.has(p).catch(() => false)));
    seen = probes.filter((_, i) => found[i]);
  }
  const match = LOOKALIKES.find((l) => seen.some(l.test));
  const has =
    listing === undefined
      ? ''
      : listing.length === 0
        ? '; the folder is empty'
        : `; it has ${listing.slice(0, 20).join(', ')}${listing.length > 20 ? ` and ${listing.length - 20} more files` : ''}`;
  return new SafeTuneError(
    'missing-file',
    `${files.description} has no model weights: neither model.safetensors nor model.safetensors.index.json is there${has}`,
    match?.hint ?? 'Pick the folder (or hub repo) of a transformers model: it holds config.json and model*.safetensors.',
  );
}
