import type { ByteSource } from './byte-source';

/** The first bytes of a download that broke off, kept so the next attempt can ask for the rest (Range: bytes=N-). */
export interface PartialDownload {
  bytes: Uint8Array;
  /** The whole file's size, when the server said. */
  totalBytes: number | undefined;
  /** The strong ETag of the response the bytes came from: sent as If-Range, so a changed file starts over. */
  etag: string | undefined;
}

/**
 * What a whole file was when it went into the cache, stored with it in the same entry: a later load checks the entry
 * against it, since a cache can hand back a file cut short (a write that failed half-way, a full disk) or altered.
 */
export interface CachedFileInfo {
  size: number;
  /** SHA-256 of the bytes, lowercase hex. */
  sha256?: string;
}

/**
 * Where downloaded files are kept between loads, keyed by URL: a second load of the same file never touches the
 * network. Partial entries hold interrupted downloads for resuming.
 */
export interface ByteCache {
  has(key: string): Promise<boolean>;
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array, info?: CachedFileInfo): Promise<void>;
  /** The info put with the whole file; undefined when there is none (no entry, or one stored without: an older SafeTune). */
  info(key: string): Promise<CachedFileInfo | undefined>;
  getPartial(key: string): Promise<PartialDownload | undefined>;
  putPartial(key: string, partial: PartialDownload): Promise<void>;
  deletePartial(key: string): Promise<void>;
  /**
   * The cached file as a ByteSource that reads ranges on demand instead of loading it whole (the Cache API hands back
   * a Blob the browser may keep on disk). Optional: without it, callers use get().
   */
  openSource?(key: string, name: string): Promise<ByteSource | undefined>;
}

/**
 * A cache in memory: for Node and tests, and the fallback where the Cache API is missing. Entries are kept by
 * reference, not copied: callers must not modify bytes they put or get.
 */
export class MemoryByteCache implements ByteCache {
  private readonly full = new Map<string, Uint8Array>();
  private readonly infos = new Map<string, CachedFileInfo>();
  private readonly partial = new Map<string, PartialDownload>();

  has(key: string): Promise<boolean> {
    return Promise.resolve(this.full.has(key));
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.full.get(key));
  }

  put(key: string, bytes: Uint8Array, info?: CachedFileInfo): Promise<void> {
    this.full.set(key, bytes);
    if (info === undefined) this.infos.delete(key);
    else this.infos.set(key, { ...info });
    return Promise.resolve();
  }

  info(key: string): Promise<CachedFileInfo | undefined> {
    const info = this.full.has(key) ? this.infos.get(key) : undefined;
    return Promise.resolve(info && { ...info });
  }

  getPartial(key: string): Promise<PartialDownload | undefined> {
    return Promise.resolve(this.partial.get(key));
  }

  putPartial(key: string, partial: PartialDownload): Promise<void> {
    this.partial.set(key, partial);
    return Promise.resolve();
  }

  deletePartial(key: string): Promise<void> {
    this.partial.delete(key);
    return Promise.resolve();
  }
}
