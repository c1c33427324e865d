import { describe, expect, test } from 'vitest';
import { loadTrainState, saveTrainState } from '../../engine/train/train-state';
import { OpfsFolderStore } from '../../workers/opfs-store';
import { stateAt } from '../train/synthetic-state';

// Node has no origin private file system; the real one is exercised by the app's e2e tests in Chromium. Here a small
// in-memory stand-in with the semantics the store relies on (per the File System spec): createWritable writes to a
// swap file that close() commits and abort() discards; getFileHandle / getDirectoryHandle throw NotFoundError for a
// missing entry unless asked to create it; move() renames. It checks the store's own logic: paths, missing files,
// atomic replacement, failure handling, and the sync-handle fallback.

class FakeFile {
  data = new Uint8Array(0);
}

class FakeFileHandle {
  readonly kind = 'file';
  /** When set, the next write through a writable fails like a full disk. */
  static failNextWrite = false;

  constructor(
    public name: string,
    private readonly dir: FakeDirectory,
    private readonly file: FakeFile,
  ) {}

  async getFile(): Promise<{ arrayBuffer(): Promise<ArrayBuffer> }> {
    const copy = this.file.data.slice();
    return { arrayBuffer: async () => copy.buffer };
  }

  async createWritable(options?: { keepExistingData?: boolean }): Promise<unknown> {
    let swap = options?.keepExistingData ? this.file.data.slice() : new Uint8Array(0);
    const file = this.file;
    const dir = this.dir;
    dir.swapFiles++;
    return {
      async write(bytes: Uint8Array) {
        if (FakeFileHandle.failNextWrite) {
          FakeFileHandle.failNextWrite = false;
          throw new DOMException('the quota was exceeded', 'QuotaExceededError');
        }
        const next = new Uint8Array(swap.length + bytes.length);
        next.set(swap);
        next.set(bytes, swap.length);
        swap = next;
      },
      async close() {
        file.data = swap;
        dir.swapFiles--;
      },
      async abort() {
        dir.swapFiles--;
      },
    };
  }
}

/** The same without createWritable (older Safari workers): a sync access handle and move(). */
class SyncOnlyFileHandle {
  readonly kind = 'file';
  constructor(
    public name: string,
    private readonly dir: FakeDirectory,
    private readonly file: FakeFile,
  ) {}

  async getFile(): Promise<{ arrayBuffer(): Promise<ArrayBuffer> }> {
    const copy = this.file.data.slice();
    return { arrayBuffer: async () => copy.buffer };
  }

  async createSyncAccessHandle(): Promise<unknown> {
    const file = this.file;
    return {
      truncate(n: number) {
        file.data = file.data.slice(0, n);
      },
      write(bytes: Uint8Array, { at }: { at: number }) {
        const next = new Uint8Array(Math.max(file.data.length, at + bytes.length));
        next.set(file.data);
        next.set(bytes, at);
        file.data = next;
        return bytes.length;
      },
      flush() {},
      close() {},
    };
  }

  async move(newName: string): Promise<void> {
    this.dir.entries.delete(this.name);
    this.dir.entries.set(newName, this.file);
    this.name = newName;
  }
}

class FakeDirectory {
  readonly kind = 'directory';
  readonly entries = new Map<string, FakeDirectory | FakeFile>();
  swapFiles = 0;

  constructor(private readonly syncOnly = false) {}

  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<FakeDirectory> {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      if (!options?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
      this.entries.set(name, (entry = new FakeDirectory(this.syncOnly)));
    }
    if (!(entry instanceof FakeDirectory)) throw new DOMException(`${name} is a file`, 'TypeMismatchError');
    return entry;
  }

  async getFileHandle(name: string, options?: { create?: boolean }): Promise<FakeFileHandle | SyncOnlyFileHandle> {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      if (!options?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
      this.entries.set(name, (entry = new FakeFile()));
    }
    if (!(entry instanceof FakeFile)) throw new DOMException(`${name} is a folder`, 'TypeMismatchError');
    return this.syncOnly ? new SyncOnlyFileHandle(name, this, entry) : new FakeFileHandle(name, this, entry);
  }

  async removeEntry(name: string): Promise<void> {
    this.entries.delete(name);
  }

  file(path: string[]): Uint8Array | undefined {
    let dir: FakeDirectory = this;
    for (const part of path.slice(0, -1)) dir = dir.entries.get(part) as FakeDirectory;
    const entry = dir?.entries.get(path.at(-1)!);
    return entry instanceof FakeFile ? entry.data : undefined;
  }
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const storeIn = (root: FakeDirectory, path: string[]): OpfsFolderStore => new OpfsFolderStore(path, async () => root as unknown as FileSystemDirectoryHandle);

describe('OpfsFolderStore', () => {
  test('writes create the folder path; a write replaces the whole file; reads return copies', async () => {
    const root = new FakeDirectory();
    const store = storeIn(root, ['safetune', 'runs', 'r1']);
    expect(store.description).toBe('browser storage (OPFS) /safetune/runs/r1');
    await store.write('run.json', bytes('a long first version'));
    await store.write('run.json', bytes('short'));
    expect(text(root.file(['safetune', 'runs', 'r1', 'run.json']))).toBe('short');
    expect(text(await store.read('run.json'))).toBe('short');
    expect(root.swapFiles).toBe(0);
  });

  test('a missing file or folder reads as undefined, and reading creates nothing', async () => {
    const root = new FakeDirectory();
    expect(await storeIn(root, ['safetune', 'runs']).read('index.json')).toBeUndefined();
    expect(root.entries.size).toBe(0);
    await storeIn(root, ['a']).write('x', bytes('1'));
    expect(await storeIn(root, ['a']).read('y')).toBeUndefined();
  });

  test('a failed write leaves the previous file intact, discards the swap file, and says the storage is full', async () => {
    const root = new FakeDirectory();
    const store = storeIn(root, ['s']);
    await store.write('adapter.safetensors', bytes('step 10'));
    FakeFileHandle.failNextWrite = true;
    const error = await store.write('adapter.safetensors', bytes('step 20')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'missing-file', hint: expect.stringMatching(/storage is full/) });
    expect((error as Error).message).toMatch(/^could not save adapter\.safetensors in browser storage \(OPFS\) \/s: the quota was exceeded/);
    expect(text(await store.read('adapter.safetensors'))).toBe('step 10');
    expect((root.entries.get('s') as FakeDirectory).swapFiles).toBe(0);
  });

  test('without createWritable: a temporary file, then moved over the final name', async () => {
    const root = new FakeDirectory(true);
    const store = storeIn(root, ['s']);
    await store.write('run.json', bytes('first, longer'));
    await store.write('run.json', bytes('second'));
    expect(text(await store.read('run.json'))).toBe('second');
    expect([...(root.entries.get('s') as FakeDirectory).entries.keys()]).toEqual(['run.json']);
  });

  test('names with slashes or dots-only are refused', async () => {
    expect(() => new OpfsFolderStore(['a/b'])).toThrow(/not a valid folder name/);
    const store = storeIn(new FakeDirectory(), ['s']);
    await expect(store.write('../x', bytes('1'))).rejects.toThrow(/not a valid file name/);
    await expect(store.read('..')).rejects.toThrow(/not a valid file name/);
  });

  test('training states are units on OPFS too: older ones removed, a truncated newest one falls back to the previous', async () => {
    const root = new FakeDirectory();
    const store = storeIn(root, ['safetune', 'runs', 'r1', 'spf']);
    for (const step of [1, 2, 3]) await saveTrainState(store, stateAt(step));
    expect(root.file(['safetune', 'runs', 'r1', 'spf', 'state-000001.json'])).toBeUndefined();
    const newest = root.file(['safetune', 'runs', 'r1', 'spf', 'state-000003.adapter.safetensors'])!;
    await store.write('state-000003.adapter.safetensors', newest.slice(0, newest.length - 1));
    const warnings: string[] = [];
    expect((await loadTrainState(store, { warn: (m) => warnings.push(m) }))?.position.step).toBe(2);
    expect(warnings[0]).toMatch(/state-000003\.adapter\.safetensors has \d+ bytes, its manifest says \d+ \(truncated\)/);
    await store.remove('state-000003.json');
    await store.remove('no-such-file');
    expect(root.file(['safetune', 'runs', 'r1', 'spf', 'state-000003.json'])).toBeUndefined();
  });
});
