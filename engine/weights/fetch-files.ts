import { SafeTuneError } from '../errors';
import type { ByteSource } from './byte-source';
import { byteSourceFromResponse, describeCause } from './byte-sources';
import { missingFile } from './memory-files';
import { checkModelPath } from './model-path';
import type { ModelFiles } from './model-files';
import { decodeUtf8File } from './utf8';

export interface FetchFilesOptions {
  /** For messages; default "files at <baseUrl>". */
  description?: string;
  onProgress?: (file: string, loadedBytes: number, totalBytes: number | undefined) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/**
 * A model folder served over plain HTTP under `baseUrl` (the bundled demo model under public/). Every file is fetched
 * whole on open; there is no cache here beyond the browser's own HTTP cache.
 */
export class FetchFiles implements ModelFiles {
  readonly description: string;
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(
    baseUrl: string,
    private readonly options: FetchFilesOptions = {},
  ) {
    this.base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.description = options.description ?? `files at ${this.base}`;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async has(path: string): Promise<boolean> {
    const response = await this.request(path, 'HEAD');
    return response.ok && !isSpaFallback(path, response);
  }

  async open(path: string): Promise<ByteSource> {
    const response = await this.request(path, 'GET');
    if (response.status === 404 || (response.ok && isSpaFallback(path, response))) {
      await response.body?.cancel();
      throw missingFile(path, this.description);
    }
    const onProgress = this.options.onProgress;
    return byteSourceFromResponse(path, response, onProgress && ((loaded, total) => onProgress(path, loaded, total)));
  }

  async text(path: string): Promise<string> {
    const source = await this.open(path);
    return decodeUtf8File(await source.read(0, source.size), `${path} in ${this.description}`);
  }

  private async request(path: string, method: 'GET' | 'HEAD'): Promise<Response> {
    checkModelPath(path, this.description);
    const url = this.base + path.split('/').map(encodeURIComponent).join('/');
    try {
      return await this.fetchImpl(url, { method, ...(this.options.signal ? { signal: this.options.signal } : {}) });
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new SafeTuneError('network', `could not fetch ${path} from ${url}: ${describeCause(e)}`, 'Check that the server is running and reachable.');
    }
  }
}

/**
 * A dev server with an SPA fallback (Vite) answers a missing file with index.html and status 200. A JSON or
 * safetensors path answered with HTML is that fallback, not the file.
 */
function isSpaFallback(path: string, response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.startsWith('text/html') && !/\.html?$/i.test(path);
}

export function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}
