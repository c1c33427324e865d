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

export class MemoryFolderStore implements FolderStore {
  readonly description = 'memory';
  readonly files = new Map<string, Uint8Array>();

  write(name: string, bytes: Uint8Array): Promise<void> {
    this.files.set(name, bytes.slice());
    return Promise.resolve();
  }

  read(name: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.files.get(name)?.slice());
  }

  remove(name: string): Promise<void> {
    this.files.delete(name);
    return Promise.resolve();
  }
}
