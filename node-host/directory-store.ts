import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPlainName, type FolderStore } from '../engine/train/folder-store';

/**
 * A FolderStore in a folder on disk. Each write goes to a temporary name, is flushed to disk (fsync), renamed over
 * the final name, and the folder itself is flushed, so after a crash or a power cut the file is the old one or the
 * new one, whole.
 */
export class DirectoryStore implements FolderStore {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = dir;
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    checkPlainName(name, 'file', this.description);
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${name}.partial`);
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(this.dir, name));
    await syncFolder(this.dir);
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    checkPlainName(name, 'file', this.description);
    try {
      return new Uint8Array(await readFile(join(this.dir, name)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async remove(name: string): Promise<void> {
    checkPlainName(name, 'file', this.description);
    await rm(join(this.dir, name), { force: true });
  }
}

/** Makes a rename in `dir` durable (a no-op where folders cannot be opened for syncing, e.g. Windows). */
async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported on this platform: the rename is still atomic, only its durability across a power cut is not
  } finally {
    await handle?.close();
  }
}

/** The store factory of a run folder on disk (engine/run/run-folder.ts): subfolders become folders under `root`. */
export function directoryOpener(root: string): (subfolder: readonly string[]) => DirectoryStore {
  return (subfolder) => {
    for (const part of subfolder) checkPlainName(part, 'folder', root);
    return new DirectoryStore(join(root, ...subfolder));
  };
}
