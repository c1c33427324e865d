import { SafeTuneError } from '../engine/errors';
import { BlobFiles } from '../engine/weights/blob-files';
import { openDefaultByteCache } from '../engine/weights/cache-api-byte-cache';
import { FetchFiles } from '../engine/weights/fetch-files';
import { HubFiles, normalizeRepoId } from '../engine/weights/hub-files';
import type { ModelFiles } from '../engine/weights/model-files';
import type { StoredModelSource } from '../engine/run/run-types';
import type { ModelSource } from './protocol';


export interface OpenModelOptions {
  assetBase: string; // URL of the site's public/ folder
  onProgress?: (file: string, loadedBytes: number, totalBytes: number | undefined) => void;
  signal?: AbortSignal;
}

export interface OpenedModel {
  files: ModelFiles;
  stored: StoredModelSource;
  /** base_model_name_or_path for an exported adapter: the hub id, or the bundled / local folder's name. */
  baseModelName: string;
}

/** The model folder behind a source: the bundled demo under public/models/, a hub repo (cached), or dropped files. */
export async function openModelSource(source: ModelSource, options: OpenModelOptions): Promise<OpenedModel> {
  const common = { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  switch (source.kind) {
    case 'bundled': {
      if (!/^[\w.-]+$/.test(source.name)) throw new SafeTuneError('bad-argument', `"${source.name}" is not a bundled model name`, 'Use the folder name under public/models/, e.g. safetune-demo.');
      const files = new FetchFiles(new URL(`models/${source.name}/`, options.assetBase).href, { description: `bundled ${source.name}`, ...common });
      return { files, stored: { kind: 'bundled', name: source.name }, baseModelName: source.name };
    }
    case 'hub': {
      const repoId = normalizeRepoId(source.repoId);
      const files = new HubFiles(repoId, {
        cache: await openDefaultByteCache(),
        ...(source.revision ? { revision: source.revision } : {}),
        ...(source.token ? { token: source.token } : {}),
        ...common,
      });
      return { files, stored: { kind: 'hub', repoId, ...(source.revision ? { revision: source.revision } : {}) }, baseModelName: repoId };
    }
    case 'files': {
      if (source.files.length === 0) throw new SafeTuneError('bad-argument', 'no model files were given', 'Drop or pick the model folder (config.json, tokenizer files, *.safetensors).');
      const files = new BlobFiles(source.files);
      return { files, stored: { kind: 'files', description: files.description }, baseModelName: files.description.replace(/^local folder /, '') };
    }
  }
}

/** The source to reload a stored run's model from; undefined for a dropped folder (the user must drop it again). */
export function reloadableSource(stored: StoredModelSource): ModelSource | undefined {
  switch (stored.kind) {
    case 'bundled':
      return { kind: 'bundled', name: stored.name };
    case 'hub':
      return { kind: 'hub', repoId: stored.repoId, ...(stored.revision ? { revision: stored.revision } : {}) };
    case 'files':
    case 'folder': // a CLI run's model folder: the page cannot open a path, the user drops the folder
      return undefined;
  }
}

/** Whether two stored sources name the same model. */
export function sameModelSource(a: StoredModelSource, b: StoredModelSource): boolean {
  if (a.kind === 'bundled' && b.kind === 'bundled') return a.name === b.name;
  if (a.kind === 'hub' && b.kind === 'hub') return a.repoId === b.repoId && (a.revision ?? 'main') === (b.revision ?? 'main');
  if (a.kind === 'files' && b.kind === 'files') return a.description === b.description;
  return false;
}
