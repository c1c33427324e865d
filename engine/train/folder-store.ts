import { SafeTuneError } from '../errors';

/**
 * A folder of files that survives the process: a folder on disk in Node (node-host/), the origin private file system in
 * the browser (workers/), memory in tests. Run records, dataset copies and training states (train-state.ts) live in
 * one each.
 */
export interface FolderStore {
  readonly description: string;
  /**
   * Replaces one file as a whole: implementations write a temporary file and rename it over the name (flushing it to
   * disk first where the platform can), so a crash leaves the old file or the new one, never half of either.
   */
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** undefined when the file does not exist. */
  read(name: string): Promise<Uint8Array | undefined>;
  /** Deletes a file; nothing happens when it does not exist. */
  remove(name: string): Promise<void>;
}

/**
 * Throws unless `name` is one plain name inside its folder. Names reach stores from files a run folder holds (a
 * checkpoint's pointer and manifest), and a run folder is untrusted input — one exported from the app and resumed in
 * the CLI, or handed over by someone else — so "../x" must never read, replace or delete a file outside the folder.
 * Every store checks, whatever its platform would make of the name.
 */
export function checkPlainName(name: string, what: 'file' | 'folder', where: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new SafeTuneError('bad-argument', `"${name}" is not a valid ${what} name in ${where}`, 'Use a plain name without slashes.');
  }
}

export class MemoryFolderStore implements FolderStore {
  readonly description = 'memory';
  readonly files = new Map<string, Uint8Array>();

  async write(name: string, bytes: Uint8Array): Promise<void> {
    checkPlainName(name, 'file', this.description);
    this.files.set(name, bytes.slice());
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    checkPlainName(name, 'file', this.description);
    return this.files.get(name)?.slice();
  }

  async remove(name: string): Promise<void> {
    checkPlainName(name, 'file', this.description);
    this.files.delete(name);
  }
}
