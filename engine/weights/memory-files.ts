import { SafeTuneError } from '../errors';
import type { ByteSource } from './byte-source';
import { byteSourceFromBlob, byteSourceFromBytes } from './byte-sources';
import { checkModelPath } from './model-path';
import type { ModelFiles } from './model-files';
import { decodeUtf8File } from './utf8';

/**
 * A model folder held in memory: bundled files already fetched, files of a dropped folder (as Blobs, read lazily), or
 * a test's fixtures.
 */
export class MemoryFiles implements ModelFiles {
  private readonly files: ReadonlyMap<string, Uint8Array | Blob>;

  constructor(
    files: ReadonlyMap<string, Uint8Array | Blob> | Record<string, Uint8Array | Blob>,
    readonly description = 'files in memory',
  ) {
    this.files = files instanceof Map ? new Map(files) : new Map(Object.entries(files));
  }

  // async throughout: a bad path or a missing file rejects the promise instead of throwing at the call.
  async has(path: string): Promise<boolean> {
    checkModelPath(path, this.description);
    return this.files.has(path);
  }

  async open(path: string): Promise<ByteSource> {
    const file = this.get(path);
    return file instanceof Uint8Array ? byteSourceFromBytes(path, file) : byteSourceFromBlob(path, file);
  }

  async text(path: string): Promise<string> {
    const file = this.get(path);
    const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
    return decodeUtf8File(bytes, `${path} in ${this.description}`);
  }

  async list(): Promise<string[]> {
    return [...this.files.keys()].sort();
  }

  private get(path: string): Uint8Array | Blob {
    checkModelPath(path, this.description);
    const file = this.files.get(path);
    if (file === undefined) throw missingFile(path, this.description);
    return file;
  }
}

export function missingFile(path: string, description: string): SafeTuneError {
  return new SafeTuneError('missing-file', `${description} has no file ${path}`, `Check that ${path} is in the model folder.`);
}
