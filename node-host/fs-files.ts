import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { SafeTuneError } from '../engine/errors';
import type { ByteSource } from '../engine/weights/byte-source';
import { checkReadRange } from '../engine/weights/byte-sources';
import { checkModelPath } from '../engine/weights/model-path';
import type { ModelFiles } from '../engine/weights/model-files';
import { decodeUtf8File } from '../engine/weights/utf8';

/**
 * A file on disk as a ByteSource: each read opens the file, reads just that range at its offset and closes it again,
 * so a multi-GB checkpoint is never loaded whole and no file handle outlives a read.
 * Throws SafeTuneError('missing-file') when the file does not exist.
 */
export async function byteSourceFromFile(path: string, name = path): Promise<ByteSource> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SafeTuneError('missing-file', `${name} is not a file`, 'Give the path of a file, not a folder.');
    size = info.size;
  } catch (e) {
    throw asFileError(e, name);
  }
  return {
    name,
    size,
    async read(offset, length) {
      checkReadRange(name, size, offset, length);
      const out = new Uint8Array(length);
      try {
        const handle = await open(path, 'r');
        try {
          let filled = 0;
          // read() may return fewer bytes than asked (large ranges, network file systems): loop until done.
          while (filled < length) {
            const { bytesRead } = await handle.read(out, filled, length - filled, offset + filled);
            if (bytesRead === 0) {
              throw new SafeTuneError('bad-safetensors', `${name} ended after ${offset + filled} bytes, but it was ${size} bytes when opened`, 'The file changed while it was being read: wait for whatever writes it, then try again.');
            }
            filled += bytesRead;
          }
        } finally {
          await handle.close();
        }
      } catch (e) {
        throw asFileError(e, name);
      }
      return out;
    },
  };
}

/** A model folder on disk (the CLI's --model ./path). */
export class DirectoryFiles implements ModelFiles {
  readonly description: string;

  constructor(readonly dir: string) {
    this.description = `local folder ${dir}`;
  }

  async has(path: string): Promise<boolean> {
    checkModelPath(path, this.description);
    try {
      return (await stat(join(this.dir, path))).isFile();
    } catch (e) {
      if (isNotFound(e)) return false;
      throw asFileError(e, join(this.dir, path));
    }
  }

  async open(path: string): Promise<ByteSource> {
    checkModelPath(path, this.description);
    return byteSourceFromFile(join(this.dir, path));
  }

  async text(path: string): Promise<string> {
    checkModelPath(path, this.description);
    const full = join(this.dir, path);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(full);
    } catch (e) {
      throw asFileError(e, full);
    }
    return decodeUtf8File(bytes, full);
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(this.dir, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort();
  }
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function asFileError(e: unknown, name: string): SafeTuneError {
  if (e instanceof SafeTuneError) return e;
  if (isNotFound(e)) return new SafeTuneError('missing-file', `${name} does not exist`, 'Check the path (it is relative to the current directory unless it starts with /).');
  const message = e instanceof Error ? e.message : String(e);
  return new SafeTuneError('missing-file', `could not read ${name}: ${message}`, 'Check that the file is readable (permissions) and try again.');
}
