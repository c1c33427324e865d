import { SafeTuneError } from '../errors';
import type { ByteSource } from './byte-source';
import { MemoryByteCache, type ByteCache } from './byte-cache';
import { byteSourceFromBytes, describeCause } from './byte-sources';
import { hubHttpError, isRetryableStatus, sleep, type HubRequestContext } from './hub-errors';
import { downloadWithResume, quietly } from './hub-download';
import { checkModelPath } from './model-path';
import type { ModelFiles } from './model-files';
import { decodeUtf8File } from './utf8';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubFilesOptions {
  /** Branch, tag or commit hash; default "main". A commit hash makes the cache exact: a branch can move. */
  revision?: string;
  /** Default https://huggingface.co (a mirror, or a local server in tests). */
  endpoint?: string;
  /** A Hugging Face access token, for gated or private repos. Sent as a bearer token, never stored in the cache. */
  token?: string;
  /** Default: a fresh MemoryByteCache. Pass a CacheApiByteCache (openDefaultByteCache) to keep files across reloads. */
  cache?: ByteCache;
  /** Called as each file downloads (and once, complete, when it comes from the cache). */
  onProgress?: (file: string, loadedBytes: number, totalBytes: number | undefined) => void;
  /** Tries per request before giving up; default 4. */
  maxAttempts?: number;
  /** Delay before the first retry, doubled for each further one; default 1000 ms. */
  retryDelayMs?: number;
  /** An attempt that receives nothing for this long is abandoned and resumed; default 30 000 ms. */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/**
 * A model repo on the Hugging Face hub, files fetched from `${endpoint}/${repoId}/resolve/${revision}/${path}`.
 * Downloads are cached by URL (a second open never touches the network), resumable, retried, and reported through
 * onProgress. Errors say what to do: a gated repo asks for a token, a missing file names the repo and the file.
 */
export class HubFiles implements ModelFiles {
  readonly repoId: string;
  readonly revision: string;
  readonly endpoint: string;
  readonly description: string;
  private readonly cache: ByteCache;
  private readonly fetchImpl: typeof fetch;
  private readonly existence = new Map<string, boolean>();
  private readonly inFlight = new Map<string, Promise<ByteSource>>();

  constructor(
    repoId: string,
    private readonly options: HubFilesOptions = {},
  ) {
    this.repoId = normalizeRepoId(repoId);
    this.revision = options.revision ?? 'main';
    this.endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
    this.description = `hub ${this.repoId}${this.revision === 'main' ? '' : `@${this.revision}`}`;
    this.cache = options.cache ?? new MemoryByteCache();
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    if (this.revision.length === 0) throw new SafeTuneError('bad-argument', 'the hub revision is empty', 'Use "main", a tag or a commit hash.');
  }

  /** The download URL of a file of the repo (also its cache key). */
  fileUrl(path: string): string {
    const encodedPath = path.split('/').map(encodeURIComponent).join('/');
    return `${this.endpoint}/${this.repoId}/resolve/${encodeURIComponent(this.revision)}/${encodedPath}`;
  }

  async has(path: string): Promise<boolean> {
    checkModelPath(path, this.description);
    const known = this.existence.get(path);
    if (known !== undefined) return known;
    const url = this.fileUrl(path);
    if ((await quietly(() => this.cache.has(url))) === true) return true;
    const response = await this.request(url, 'HEAD', path);
    let exists: boolean;
    if (response.ok) exists = true;
    else if (response.status === 404 && !['RepoNotFound', 'RevisionNotFound'].includes(response.headers.get('x-error-code') ?? '')) exists = false;
    else throw hubHttpError(response.status, response.headers, this.context(path, url));
    this.existence.set(path, exists);
    return exists;
  }

  async open(path: string): Promise<ByteSource> {
    checkModelPath(path, this.description);
    const running = this.inFlight.get(path);
    if (running !== undefined) return running;
    const opening = this.load(path).finally(() => this.inFlight.delete(path));
    this.inFlight.set(path, opening);
    return opening;
  }

  async text(path: string): Promise<string> {
    const source = await this.open(path);
    return decodeUtf8File(await source.read(0, source.size), `${path} of ${this.description}`);
  }

  /** Every file of the repo at this revision, from the hub's model API (used only to improve error messages). */
  async list(): Promise<string[]> {
    const url = `${this.endpoint}/api/models/${this.repoId}/revision/${encodeURIComponent(this.revision)}`;
    const response = await this.request(url, 'GET', undefined);
    if (!response.ok) {
      await response.body?.cancel();
      throw hubHttpError(response.status, response.headers, this.context(undefined, url));
    }
    const info: unknown = await response.json().catch(() => undefined);
    const siblings = (info as { siblings?: unknown } | undefined)?.siblings;
    if (!Array.isArray(siblings)) throw new SafeTuneError('network', `the hub's file list for ${this.repoId} (${url}) has no "siblings" array`);
    return siblings
      .map((s: unknown) => (s as { rfilename?: unknown } | null)?.rfilename)
      .filter((name): name is string => typeof name === 'string');
  }

  private async load(path: string): Promise<ByteSource> {
    const url = this.fileUrl(path);
    const cached = await quietly(() => this.fromCache(url, path));
    if (cached !== undefined) {
      this.options.onProgress?.(path, cached.size, cached.size);
      return cached;
    }
    const bytes = await downloadWithResume({
      ctx: { ...this.context(path, url), file: path },
      key: url,
      cache: this.cache,
      headers: this.authHeaders(),
      fetch: this.fetchImpl,
      maxAttempts: this.options.maxAttempts ?? 4,
      retryDelayMs: this.options.retryDelayMs ?? 1000,
      stallTimeoutMs: this.options.stallTimeoutMs ?? 30_000,
      signal: this.options.signal,
      onProgress: (loaded, total) => this.options.onProgress?.(path, loaded, total),
    });
    await quietly(() => this.cache.put(url, bytes));
    await quietly(() => this.cache.deletePartial(url));
    this.existence.set(path, true);
    return byteSourceFromBytes(path, bytes);
  }

  private async fromCache(url: string, path: string): Promise<ByteSource | undefined> {
    if (this.cache.openSource !== undefined) return this.cache.openSource(url, path);
    const bytes = await this.cache.get(url);
    return bytes === undefined ? undefined : byteSourceFromBytes(path, bytes);
  }

  /** A small request (HEAD, API call), retried on network errors and 408/429/5xx; other answers go to the caller. */
  private async request(url: string, method: 'GET' | 'HEAD', file: string | undefined): Promise<Response> {
    const attempts = this.options.maxAttempts ?? 4;
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep((this.options.retryDelayMs ?? 1000) * 2 ** (attempt - 2), this.options.signal);
      try {
        const response = await this.fetchImpl(url, {
          method,
          headers: this.authHeaders(),
          ...(this.options.signal ? { signal: this.options.signal } : {}),
        });
        if (!isRetryableStatus(response.status)) return response;
        await response.body?.cancel();
        lastProblem = `HTTP ${response.status}`;
      } catch (e) {
        if (this.options.signal?.aborted) throw e;
        lastProblem = describeCause(e);
      }
    }
    const what = file === undefined ? `the file list of hub repo ${this.repoId}` : `${file} of hub repo ${this.repoId}`;
    throw new SafeTuneError('network', `could not reach ${what} at ${url} after ${attempts} attempts: ${lastProblem}`, 'Check the internet connection and try again.');
  }

  private authHeaders(): Headers {
    const headers = new Headers();
    if (this.options.token) headers.set('Authorization', `Bearer ${this.options.token}`);
    return headers;
  }

  private context(file: string | undefined, url: string): HubRequestContext {
    return { repoId: this.repoId, revision: this.revision, file, url, hasToken: Boolean(this.options.token) };
  }
}

/**
 * "owner/name" from what a user may paste: the id itself, or its huggingface.co page URL. Throws
 * SafeTuneError('bad-argument') for anything that is not a repo id.
 */
export function normalizeRepoId(input: string): string {
  let id = input.trim().replace(/^https?:\/\/(www\.)?huggingface\.co\//i, '');
  id = id.replace(/\/(tree|blob|resolve)\/.*$/, '').replace(/\/+$/, '');
  const valid = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(id) && !id.includes('..') && id.length <= 200;
  if (!valid) {
    throw new SafeTuneError('bad-argument', `"${input}" is not a Hugging Face repo id`, 'Use owner/name as shown on the model page, e.g. HuggingFaceTB/SmolLM2-135M-Instruct.');
  }
  return id;
}
