import { SafeTuneError } from '../engine/errors';
import { checkPlainName, type FolderStore } from '../engine/train/folder-store';

/** The root of the origin private file system, or a stand-in for it. */
export type DirectoryRoot = () => Promise<FileSystemDirectoryHandle>;

/** The parts of a sync access handle the fallback uses (declared here: the DOM lib, used by the tests, lacks them). */
interface SyncAccess {
  truncate(size: number): void;
  write(buffer: Uint8Array<ArrayBuffer>, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/** `move` (Chrome 110+, Safari) is not in TypeScript's lib yet; `createSyncAccessHandle` exists in workers only. */
type MovableFileHandle = FileSystemFileHandle & {
  move?: (newName: string) => Promise<void>;
  createSyncAccessHandle?: () => Promise<SyncAccess>;
};

/** Whether this runtime has OPFS (secure-context pages and workers of current browsers; not Node). */
export function opfsAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';
}

/**
 * A FolderStore in a folder of the origin private file system (OPFS), which survives reloads: a run paused or
 * interrupted in one session resumes in the next. `path` is the folder under the OPFS root, created on first write.
 *
 * A write never leaves half a file under the final name, because a crash or a full disk mid-write must not damage the
 * previous checkpoint:
 * - where `createWritable` exists (Chrome, Edge, Firefox, current Safari) the bytes go to the browser's swap file and
 *   `close()` swaps it in atomically; a failed write is aborted, which discards the swap file;
 * - elsewhere (older Safari workers) the bytes go to a temporary file through a sync access handle, which is then
 *   renamed over the final name with `move()`.
 */
export class OpfsFolderStore implements FolderStore {
  readonly description: string;
  private readonly path: readonly string[];
  private readonly root: DirectoryRoot;

  constructor(path: readonly string[], root: DirectoryRoot = () => navigator.storage.getDirectory()) {
    for (const part of path) checkPlainName(part, 'folder', 'browser storage');
    this.path = [...path];
    this.root = root;
    this.description = `browser storage (OPFS) /${this.path.join('/')}`;
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    checkPlainName(name, 'file', this.description);
    const dir = await this.directory(true);
    const target = await dir.getFileHandle(name, { create: true });
    try {
      if (typeof target.createWritable === 'function') await writeThroughSwapFile(target, bytes);
      else await writeThroughTemporaryFile(dir, name, bytes);
    } catch (e) {
      throw new SafeTuneError(
        'missing-file',
        `could not save ${name} in ${this.description}: ${describe(e)}`,
        isQuotaError(e) ? 'The browser storage is full: delete old runs or free disk space, then resume.' : 'Check that the browser allows site storage (not a private window with storage disabled).',
      );
    }
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    checkPlainName(name, 'file', this.description);
    const dir = await this.directory(false);
    if (dir === undefined) return undefined;
    let handle: FileSystemFileHandle;
    try {
      handle = await dir.getFileHandle(name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const file = await handle.getFile();
    return new Uint8Array(await file.arrayBuffer());
  }

  async remove(name: string): Promise<void> {
    checkPlainName(name, 'file', this.description);
    const dir = await this.directory(false);
    try {
      await dir?.removeEntry(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** The store's folder; undefined when it does not exist and `create` is false. */
  private async directory(create: true): Promise<FileSystemDirectoryHandle>;
  private async directory(create: false): Promise<FileSystemDirectoryHandle | undefined>;
  private async directory(create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    let dir = await this.root();
    for (const part of this.path) {
      try {
        dir = await dir.getDirectoryHandle(part, { create });
      } catch (e) {
        if (!create && isNotFound(e)) return undefined;
        throw e;
      }
    }
    return dir;
  }
}

/** The bytes go to the browser's swap file; close() replaces the file atomically, abort() discards the swap file. */
async function writeThroughSwapFile(handle: FileSystemFileHandle, bytes: Uint8Array): Promise<void> {
  const stream = await handle.createWritable({ keepExistingData: false });
  try {
    await stream.write(bytes as Uint8Array<ArrayBuffer>);
    await stream.close();
  } catch (e) {
    await stream.abort().catch(() => undefined);
    throw e;
  }
}

/** The bytes go to a temporary file (sync access handle, workers only), which is then moved over the final name. */
async function writeThroughTemporaryFile(dir: FileSystemDirectoryHandle, name: string, bytes: Uint8Array): Promise<void> {
  const temporaryName = `.${name}.partial`;
  const temporary = (await dir.getFileHandle(temporaryName, { create: true })) as MovableFileHandle;
  if (typeof temporary.move !== 'function' || typeof temporary.createSyncAccessHandle !== 'function') {
    await dir.removeEntry(temporaryName).catch(() => undefined);
    throw new Error('this browser can neither swap nor rename files in its private storage (no createWritable, no move)');
  }
  const access = await temporary.createSyncAccessHandle();
  try {
    access.truncate(0);
    let written = 0;
    while (written < bytes.length) written += access.write(bytes.subarray(written) as Uint8Array<ArrayBuffer>, { at: written });
    access.flush();
  } finally {
    access.close();
  }
  await temporary.move(name);
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}

function isQuotaError(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === 'QuotaExceededError';
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
