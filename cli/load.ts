import { stat } from 'node:fs/promises';
import { SafeTuneError } from '../engine/errors';
import type { CausalLM } from '../engine/model/causal-lm';
import { loadCausalLM } from '../engine/model/load';
import { readPeftAdapter } from '../engine/export/peft-adapter';
import type { BackendName } from '../engine/backend';
import { DirectoryFiles } from '../node-host/fs-files';
import { selectCliBackend } from '../node-host/backend';

async function folder(path: string, what: string): Promise<DirectoryFiles> {
  const s = await stat(path).catch(() => undefined);
  if (s === undefined || !s.isDirectory()) {
    throw new SafeTuneError('missing-file', `${what} folder ${path} does not exist`, `pass the folder that holds ${what === 'model' ? 'config.json and the safetensors' : 'adapter_config.json and adapter_model.safetensors'}`);
  }
  return new DirectoryFiles(path);
}

/** Selects the backend, then loads --model (and --adapter, a PEFT LoRA adapter folder) from disk. */
export async function loadCliModel(modelDir: string, adapterDir: string | undefined, backend: BackendName): Promise<{ model: CausalLM; files: DirectoryFiles }> {
  const files = await folder(modelDir, 'model');
  const adapterFiles = adapterDir === undefined ? undefined : await folder(adapterDir, 'adapter');
  await selectCliBackend(backend);
  const weights = adapterFiles === undefined ? undefined : await readPeftAdapter(adapterFiles);
  const model = await loadCausalLM(files, weights === undefined ? {} : { adapter: { kind: 'weights', weights } });
  return { model, files };
}
