import { byteSourceFromBlob } from './byte-sources';
import type { ByteSource } from './byte-source';
import type { ByteCache, CachedFileInfo, PartialDownload } from './byte-cache';
import { MemoryByteCache } from './byte-cache';

export const DEFAULT_CACHE_NAME = 'safetune-hub-v1';

// The Cache API only stores GET requests for http(s) URLs, and ignores fragments when matching; these synthetic
// addresses keep whole files and partial downloads of the same URL apart. The .invalid TLD never resolves.
const FULL_PREFIX = 'https://safetune.invalid/full/';
const PARTIAL_PREFIX = 'https://safetune.invalid/partial/';
const TOTAL_HEADER = 'x-safetune-total-bytes';
const ETAG_HEADER = 'x-safetune-etag';
const SIZE_HEADER = 'x-safetune-size';
const SHA256_HEADER = 'x-safetune-sha256';

/** Whether this runtime has the Cache API (browsers' windows and workers on secure origins; not Node). */
export function cacheApiAvailable(): boolean {
  return typeof caches !== 'undefined';
}

/**
 * A ByteCache in the browser's Cache API (caches.open), which survives reloads: a model downloaded once loads from disk
 * next time. Whole files come back as Blob-backed sources, so a cached 1 GB checkpoint is not read into memory at once.
 */
export class CacheApiByteCache implements ByteCache {
  private constructor(private readonly cache: Cache) {}

  /** Opens (or creates) the named cache. Throws where the Cache API is missing: check cacheApiAvailable() first. */
  static async open(name = DEFAULT_CACHE_NAME): Promise<CacheApiByteCache> {
    return new CacheApiByteCache(await caches.open(name));
  }

  async has(key: string): Promise<boolean> {
    return (await this.cache.match(FULL_PREFIX + encodeURIComponent(key))) !== undefined;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const response = await this.cache.match(FULL_PREFIX + encodeURIComponent(key));
    return response === undefined ? undefined : new Uint8Array(await response.arrayBuffer());
  }

  async openSource(key: string, name: string): Promise<ByteSource | undefined> {
    const response = await this.cache.match(FULL_PREFIX + encodeURIComponent(key));
    return response === undefined ? undefined : byteSourceFromBlob(name, await response.blob());
  }

  async put(key: string, bytes: Uint8Array, info?: CachedFileInfo): Promise<void> {
    // The info rides in the entry's own headers: one put stores both, so neither is ever kept without the other.
    const headers = new Headers();
    if (info !== undefined) headers.set(SIZE_HEADER, String(info.size));
    if (info?.sha256 !== undefined) headers.set(SHA256_HEADER, info.sha256);
    await this.cache.put(FULL_PREFIX + encodeURIComponent(key), new Response(asBody(bytes), { headers }));
  }

  async info(key: string): Promise<CachedFileInfo | undefined> {
    const response = await this.cache.match(FULL_PREFIX + encodeURIComponent(key));
    const size = Number(response?.headers.get(SIZE_HEADER) ?? NaN);
    if (response === undefined || !Number.isSafeInteger(size) || size < 0) return undefined;
    await response.body?.cancel(); // only the headers are wanted
    const sha256 = response.headers.get(SHA256_HEADER);
    return { size, ...(sha256 === null ? {} : { sha256 }) };
  }

  async getPartial(key: string): Promise<PartialDownload | undefined> {
    const response = await this.cache.match(PARTIAL_PREFIX + encodeURIComponent(key));
    if (response === undefined) return undefined;
    const total = response.headers.get(TOTAL_HEADER);
    return {
      bytes: new Uint8Array(await response.arrayBuffer()),
      totalBytes: total === null ? undefined : Number(total),
      etag: response.headers.get(ETAG_HEADER) ?? undefined,
    };
  }

  async putPartial(key: string, partial: PartialDownload): Promise<void> {
    const headers = new Headers();
    if (partial.totalBytes !== undefined) headers.set(TOTAL_HEADER, String(partial.totalBytes));
    if (partial.etag !== undefined) headers.set(ETAG_HEADER, partial.etag);
    await this.cache.put(PARTIAL_PREFIX + encodeURIComponent(key), new Response(asBody(partial.bytes), { headers }));
  }

  async deletePartial(key: string): Promise<void> {
    await this.cache.delete(PARTIAL_PREFIX + encodeURIComponent(key));
  }
}

/** The Cache API where there is one, else memory (Node, insecure origins, some private-browsing modes). */
export async function openDefaultByteCache(name = DEFAULT_CACHE_NAME): Promise<ByteCache> {
  if (cacheApiAvailable()) {
    try {
      return await CacheApiByteCache.open(name);
    } catch {
      // caches exists but refuses (Firefox private windows throw SecurityError): fall through to memory.
    }
  }
  return new MemoryByteCache();
}

/** A Response body from bytes; copies only when the bytes sit on a SharedArrayBuffer, which bodies may not use. */
function asBody(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
