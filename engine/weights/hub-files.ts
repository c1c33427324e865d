import { SafeTuneError } from '../errors';
import type { ByteSource } from './byte-source';
import { MemoryByteCache, type ByteCache } from './byte-cache';
import { byteSourceFromBytes, describeCause } from './byte-sources';
import { hubHttpError, isRetryableStatus, sleep, type HubRequestContext } from './hub-errors';
import { downloadWithResume, quietly } from './hub-download';
import { HubHostPolicy, isCommitHash, sha256Hex, statedSha256 } from './hub-policy';
import { checkModelPath } from './model-path';
import type { ModelFiles } from './model-files';
import { decodeUtf8File } from './utf8';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/**
 * The largest cached file whose SHA-256 is checked again on every load. Hashing reads the file whole into memory, which
 * for a larger checkpoint would undo what a Blob-backed cache entry is for (its tensors are read range by range);
 * those are checked by size, and the safetensors reader checks every tensor's range against the header.
 */
export const CACHE_REHASH_MAX_BYTES = 128 * 1024 * 1024;

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
 *
 * The network policy lives here, where the fetches run (in the worker): requests and their final URLs after redirects
 * must be on the hub's hosts (HubHostPolicy); the token goes to the hub's own host only; a file the hub states a
 * SHA-256 for (LFS) is verified before it is cached or used; and a branch is pinned to the commit the first answer
 * names (`x-repo-commit`), remembered in the cache, so one model is never assembled from two revisions.
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
  private readonly policy: HubHostPolicy;
  /** The commit this repo is read at: the revision itself when it is one, else learned from the hub or the cache. */
  private commit: string | undefined;
  private pinLoaded = false;
  /** SHA-256 stated by the last answer for each URL (a download's 200 or 206). */
  private readonly statedHashes = new Map<string, string>();

  constructor(
    repoId: string,
    private readonly options: HubFilesOptions = {},
  ) {
    this.repoId = normalizeRepoId(repoId);
    this.revision = options.revision ?? 'main';
    this.endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
    this.description = `hub ${this.repoId}${this.revision === 'main' ? '' : `@${this.revision}`}`;
    this.cache = options.cache ?? new MemoryByteCache();
    const rawFetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.policy = new HubHostPolicy(this.endpoint);
    this.fetchImpl = (input, init) => this.guardedFetch(rawFetch, String(input), init);
    this.commit = isCommitHash(this.revision) ? this.revision : undefined;
    if (this.revision.length === 0) throw new SafeTuneError('bad-argument', 'the hub revision is empty', 'Use "main", a tag or a commit hash.');
  }

  /** The download URL of a file of the repo (also its cache key). */
  fileUrl(path: string): string {
    const encodedPath = path.split('/').map(encodeURIComponent).join('/');
    return `${this.endpoint}/${this.repoId}/resolve/${encodeURIComponent(this.commit ?? this.revision)}/${encodedPath}`;
  }

  /** The commit the files are read at, once known (undefined: a branch not yet resolved). */
  get pinnedCommit(): string | undefined {
    return this.commit;
  }

  async has(path: string): Promise<boolean> {
    checkModelPath(path, this.description);
    await this.loadPin();
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
    await this.loadPin();
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
      headers: this.authHeaders(url),
      fetch: this.fetchImpl,
      maxAttempts: this.options.maxAttempts ?? 4,
      retryDelayMs: this.options.retryDelayMs ?? 1000,
      stallTimeoutMs: this.options.stallTimeoutMs ?? 30_000,
      signal: this.options.signal,
      onProgress: (loaded, total) => this.options.onProgress?.(path, loaded, total),
    });
    const sha256 = await this.verify(path, url, bytes);
    // Cached under the commit when this download revealed it, so a later (offline) load finds it there.
    const key = this.fileUrl(path);
    await quietly(() => this.cache.put(key, bytes, { size: bytes.length, sha256 }));
    await quietly(() => this.cache.deletePartial(url));
    this.existence.set(path, true);
    return byteSourceFromBytes(path, bytes);
  }

  /**
   * A file whose SHA-256 the hub stated must have it: a corrupt or substituted download is never cached or used.
   * Returns the file's SHA-256, kept with the cached copy to check it by on later loads.
   */
  private async verify(path: string, url: string, bytes: Uint8Array): Promise<string> {
    const actual = await sha256Hex(bytes);
    const stated = this.statedHashes.get(url);
    if (stated === undefined || actual === stated) return actual;
    await quietly(() => this.cache.deletePartial(url));
    throw new SafeTuneError(
      'network',
      `${path} of hub repo ${this.repoId} arrived with SHA-256 ${actual.slice(0, 16)}…, but the hub states ${stated.slice(0, 16)}… (${url})`,
      'The download was damaged or altered on the way: try again; if it repeats, check proxies between you and the hub.',
    );
  }

  /** Every hub request: allowed host before, allowed final URL after, and what the answer says about the file. */
  private async guardedFetch(rawFetch: typeof fetch, url: string, init: RequestInit | undefined): Promise<Response> {
    if (!this.policy.allows(url)) {
      throw new SafeTuneError('network', `refused to fetch ${url}: not the hub (${this.policy.endpointHost})`, 'Use the hub endpoint itself.');
    }
    const response = await rawFetch(url, init);
    this.policy.checkResponse(response, url, fileOfUrl(url));
    const stated = statedSha256(response.headers);
    if (stated !== undefined && response.ok) this.statedHashes.set(url, stated);
    const commit = response.headers.get('x-repo-commit') ?? '';
    if (this.commit === undefined && response.ok && isCommitHash(commit)) {
      this.commit = commit;
      await quietly(() => this.cache.put(this.pinKey(), new TextEncoder().encode(commit)));
    }
    return response;
  }

  /** A branch's commit from an earlier session, so every file of a cached model comes from one revision, offline too. */
  private async loadPin(): Promise<void> {
    if (this.commit !== undefined || this.pinLoaded) return;
    this.pinLoaded = true;
    const stored = await quietly(() => this.cache.get(this.pinKey()));
    const commit = stored === undefined ? '' : new TextDecoder().decode(stored);
    if (isCommitHash(commit)) this.commit = commit;
  }

  private pinKey(): string {
    return `${this.endpoint}/${this.repoId}/commit-of/${encodeURIComponent(this.revision)}`;
  }

  /**
   * A cached whole file, if it is still what was stored: its size, and its SHA-256 when it is at most
   * CACHE_REHASH_MAX_BYTES, must match the info kept with it. An entry that does not (cut short, altered) is a miss:
   * the file is downloaded again and the entry replaced. An entry with no info to check it by (cached by an older
   * SafeTune) is used as found, as it was then: treating it as a miss would make a model cached for offline use
   * unloadable offline; the safetensors reader still checks every tensor's range against the header.
   */
  private async fromCache(url: string, path: string): Promise<ByteSource | undefined> {
    const info = await this.cache.info(url);
    const source = this.cache.openSource !== undefined ? await this.cache.openSource(url, path) : await this.cache.get(url).then((bytes) => bytes && byteSourceFromBytes(path, bytes));
    if (source === undefined || info === undefined) return source;
    if (source.size !== info.size) return undefined;
    if (info.sha256 !== undefined && source.size <= CACHE_REHASH_MAX_BYTES && (await sha256Hex(await source.read(0, source.size))) !== info.sha256) return undefined;
    return source;
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
          headers: this.authHeaders(url),
          ...(this.options.signal ? { signal: this.options.signal } : {}),
        });
        if (!isRetryableStatus(response.status)) return response;
        await response.body?.cancel();
        lastProblem = `HTTP ${response.status}`;
      } catch (e) {
        if (this.options.signal?.aborted || e instanceof SafeTuneError) throw e; // aborted, or refused by the policy
        lastProblem = describeCause(e);
      }
    }
    const what = file === undefined ? `the file list of hub repo ${this.repoId}` : `${file} of hub repo ${this.repoId}`;
    throw new SafeTuneError('network', `could not reach ${what} at ${url} after ${attempts} attempts: ${lastProblem}`, 'Check the internet connection and try again.');
  }

  private authHeaders(url: string): Headers {
    const headers = new Headers();
    if (this.options.token && this.policy.mayCarryToken(url)) headers.set('Authorization', `Bearer ${this.options.token}`);
    return headers;
  }

  private context(file: string | undefined, url: string): HubRequestContext {
    return { repoId: this.repoId, revision: this.revision, file, url, hasToken: Boolean(this.options.token) };
  }
}

/** "dir/file.json" from a resolve URL, for messages (undefined for API calls). */
function fileOfUrl(url: string): string | undefined {
  const after = new URL(url).pathname.split('/resolve/')[1];
  return after === undefined ? undefined : after.split('/').slice(1).map(decodeURIComponent).join('/');
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
