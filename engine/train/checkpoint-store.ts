/**
 * Where checkpoints live: a folder on disk in Node, OPFS in the browser, memory in tests. Each `write` replaces one
 * file as a whole (implementations write to a temporary name and rename, so a crash never leaves half a file).
 */
export interface CheckpointStore {
  readonly description: string;
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** undefined when the file does not exist. */
  read(name: string): Promise<Uint8Array | undefined>;
}

export class MemoryCheckpointStore implements CheckpointStore {
  readonly description = 'memory';
  readonly files = new Map<string, Uint8Array>();

  write(name: string, bytes: Uint8Array): Promise<void> {
    this.files.set(name, bytes.slice());
    return Promise.resolve();
  }

  read(name: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.files.get(name)?.slice());
  }
}
