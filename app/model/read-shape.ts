import type { ModelSource } from '../../workers/protocol';
import { parseModelShape, type ModelShape } from './model-shape';

/**
 * Reads a model's config.json on the page, before the worker loads it, for the memory estimate. Bundled models come
 * from the site, hub models from huggingface.co (the one host the page may reach), local folders from the picked
 * files. Resolves undefined when there is no config.json to read: the worker's load then says what is missing.
 */
export async function readModelShape(source: ModelSource, signal?: AbortSignal): Promise<ModelShape | undefined> {
  const text = await readConfigText(source, signal);
  return text === undefined ? undefined : parseModelShape(text);
}

async function readConfigText(source: ModelSource, signal?: AbortSignal): Promise<string | undefined> {
  switch (source.kind) {
    case 'bundled':
      return fetchText(`/models/${encodeURIComponent(source.name)}/config.json`, {}, signal);
    case 'hub': {
      const revision = encodeURIComponent(source.revision ?? 'main');
      const headers: Record<string, string> = source.token ? { Authorization: `Bearer ${source.token}` } : {};
      return fetchText(`https://huggingface.co/${source.repoId}/resolve/${revision}/config.json`, headers, signal);
    }
    case 'files': {
      const config = source.files.find((f) => f.name === 'config.json');
      return config === undefined ? undefined : config.text();
    }
  }
}

async function fetchText(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<string | undefined> {
  const response = await fetch(url, { headers, signal: signal ?? null });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`could not read ${url}: HTTP ${response.status}`);
  return response.text();
}
