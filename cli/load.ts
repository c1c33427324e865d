import { stat } from 'node:fs/promises';
import { SafeTuneError } from '../engine/errors';
import type { CausalLM } from '../engine/model/causal-lm';
import { loadCausalLM, readModelConfig } from '../engine/model/load';
import { loadTokenizerFor } from '../engine/tokenizer/model-vocabulary';
import type { TextTokenizer } from '../engine/tokenizer/types';
import type { BackendName } from '../engine/backend';
import { DirectoryFiles } from '../node-host/fs-files';
import { selectCliBackend } from '../node-host/backend';

/** The --model folder, or an error saying it does not exist (before any file in it is looked for). */
export function modelFolder(path: string): Promise<DirectoryFiles> {
  return folder(path, 'model');
}

async function folder(path: string, what: string): Promise<DirectoryFiles> {
  const s = await stat(path).catch(() => undefined);
  if (s === undefined || !s.isDirectory()) {
    throw new SafeTuneError('missing-file', `${what} folder ${path} does not exist`, `pass the folder that holds ${what === 'model' ? 'config.json and the safetensors' : 'adapter_config.json and adapter_model.safetensors'}`);
  }
  return new DirectoryFiles(path);
}

/**
 * Selects the backend, then loads --model (and --adapter, a PEFT LoRA adapter folder) from disk. The adapter is read
 * against the model's config.json, so one for another model (more or fewer layers, other shapes) is an error naming
 * the adapter file, never applied in part.
 */
export async function loadCliModel(modelDir: string, adapterDir: string | undefined, backend: BackendName): Promise<{ model: CausalLM; files: DirectoryFiles }> {
  const files = await folder(modelDir, 'model');
  const adapterFiles = adapterDir === undefined ? undefined : await folder(adapterDir, 'adapter');
  await selectCliBackend(backend);
  const model = await loadCausalLM(files, adapterFiles === undefined ? {} : { adapter: { kind: 'peft', files: adapterFiles } });
  return { model, files };
}

/**
 * loadCliModel for commands that also tokenize: the tokenizer is loaded and checked against config.json's vocab_size
 * first (cheap, before gigabytes of weights), so a token id without an embedding row is an error naming
 * tokenizer.json and config.json rather than a tfjs gather failure mid-run.
 */
export async function loadCliModelWithTokenizer(
  modelDir: string,
  adapterDir: string | undefined,
  backend: BackendName,
): Promise<{ model: CausalLM; files: DirectoryFiles; tokenizer: TextTokenizer }> {
  const files = await folder(modelDir, 'model');
  const tokenizer = await loadTokenizerFor(files, await readModelConfig(files));
  return { ...(await loadCliModel(modelDir, adapterDir, backend)), tokenizer };
}
