import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryFolderStore } from '../../engine/train/folder-store';
import { loadTrainState, saveTrainState } from '../../engine/train/train-state';
import { DirectoryStore, directoryOpener } from '../../node-host/directory-store';
import { stateAt } from './synthetic-state';

// A training state is one unit: written whole under new names, made current by one pointer write, verified on load,
// and the previous unit kept so a damaged newest one falls back (issue 14, "lost runs").

const fileOf = (step: number, part: string): string => `state-${String(step).padStart(6, '0')}.${part}`;

describe('training state (checkpoint) units', () => {
  test('the newest whole unit loads; the one before it is kept, older ones are deleted', async () => {
    const store = new MemoryFolderStore();
    for (const step of [1, 2, 3]) await saveTrainState(store, stateAt(step));
    const loaded = (await loadTrainState(store))!;
    expect(loaded.position.step).toBe(3);
    expect([...loaded.adapter.modules.values()][0]!.A).toEqual(stateAt(3).adapter.modules.get('model.layers.0.self_attn.q_proj')!.A);
    expect(loaded.optimizer.step).toBe(3);
    expect([...store.files.keys()].filter((f) => f.startsWith('state-000001'))).toEqual([]);
    expect([...store.files.keys()].filter((f) => f.startsWith('state-000002'))).toHaveLength(3);
    expect(await loadTrainState(new MemoryFolderStore())).toBeUndefined();
    const legacy = new MemoryFolderStore();
    await legacy.write('trainer_state.json', new TextEncoder().encode('{"format": "safetune-checkpoint-1"}'));
    await expect(loadTrainState(legacy)).rejects.toThrow(/saved by an earlier SafeTune \(trainer_state\.json/);
  });

  test('a truncated newest adapter falls back to the previous unit, saying which file and why', async () => {
    const store = new MemoryFolderStore();
    for (const step of [4, 5]) await saveTrainState(store, stateAt(step));
    const name = fileOf(5, 'adapter.safetensors');
    store.files.set(name, store.files.get(name)!.slice(0, 100));
    const warnings: string[] = [];
    const loaded = await loadTrainState(store, { warn: (m) => warnings.push(m) });
    expect(loaded?.position.step).toBe(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/state-000005\.adapter\.safetensors has 100 bytes, its manifest says \d+ \(truncated\).*resuming from step 4 instead/);
  });

  test('a corrupt byte (same size) is caught by the checksum; with both units damaged, the error names both', async () => {
    const store = new MemoryFolderStore();
    for (const step of [6, 7]) await saveTrainState(store, stateAt(step));
    for (const step of [7, 6]) {
      const name = fileOf(step, 'optimizer.safetensors');
      const bytes = store.files.get(name)!;
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      if (step === 7) expect((await loadTrainState(store, { warn: () => undefined }))?.position.step).toBe(6);
    }
    await expect(loadTrainState(store)).rejects.toThrow(/no usable checkpoint in memory: state-000007\.optimizer\.safetensors does not match the checksum .*; state-000006\.optimizer/);
  });

  test('a save killed before its pointer write leaves the previous unit current and whole', async () => {
    const store = new MemoryFolderStore();
    await saveTrainState(store, stateAt(8));
    const killed = Object.assign(Object.create(store) as MemoryFolderStore, {
      write: (name: string, bytes: Uint8Array) => (name === 'current.json' ? Promise.reject(new Error('killed')) : store.write(name, bytes)),
    });
    await expect(saveTrainState(killed, stateAt(9))).rejects.toThrow('killed');
    expect((await loadTrainState(store))?.position.step).toBe(8);
  });

  test('maxStep picks the unit a run record names when the newest is past it', async () => {
    const store = new MemoryFolderStore();
    for (const step of [2, 3]) await saveTrainState(store, stateAt(step));
    expect((await loadTrainState(store, { maxStep: 2 }))?.position.step).toBe(2);
  });

  test('a manifest naming a file that is not its own is not read: the unit falls back, naming the file', async () => {
    const store = new MemoryFolderStore();
    for (const step of [2, 3]) await saveTrainState(store, stateAt(step));
    const name = fileOf(3, 'json');
    const manifest = JSON.parse(new TextDecoder().decode(store.files.get(name))) as { files: { adapter: { name: string } } };
    manifest.files.adapter.name = fileOf(2, 'adapter.safetensors'); // another unit's file: a whole, verified file
    store.files.set(name, new TextEncoder().encode(JSON.stringify(manifest)));
    const warnings: string[] = [];
    expect((await loadTrainState(store, { warn: (m) => warnings.push(m) }))?.position.step).toBe(2);
    expect(warnings[0]).toMatch(/state-000003\.json names "state-000002\.adapter\.safetensors" as its adapter file, not state-000003\.adapter\.safetensors/);
  });

  describe('on disk', () => {
    const dirs: string[] = [];
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    test('units are written through temporary files that never stay behind; remove deletes', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'safetune-state-'));
      dirs.push(dir);
      const store = new DirectoryStore(join(dir, 'plain'));
      for (const step of [1, 2, 3]) await saveTrainState(store, stateAt(step));
      const files = (await readdir(join(dir, 'plain'))).sort();
      expect(files).toEqual(['current.json', ...['state-000002', 'state-000003'].flatMap((u) => [`${u}.adapter.safetensors`, `${u}.json`, `${u}.optimizer.safetensors`])]);
      expect((await loadTrainState(store))?.position.step).toBe(3);
      await store.remove('current.json');
      await store.remove('current.json');
      expect(await loadTrainState(store)).toBeUndefined();
    });

    // A run folder is untrusted (exported from the app, resumed in the CLI): its pointer once made a save delete, and a
    // load read, files outside the folder.
    test('a pointer naming files outside the folder is refused, and a save after it deletes nothing outside', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'safetune-state-'));
      dirs.push(dir);
      await mkdir(join(dir, 'victim'));
      await writeFile(join(dir, 'victim', 'config.json'), '{"precious": true}');
      const store = new DirectoryStore(join(dir, 'run', 'plain'));
      for (const step of [70, 72]) await saveTrainState(store, stateAt(step));
      for (const pointer of [
        { current: 'state-000072', previous: '../../victim/config' },
        { current: '../../victim/config' },
        { current: '../other-run/plain/state-000070' },
        { current: 'state-000072', previous: 7 },
      ]) {
        await store.write('current.json', new TextEncoder().encode(JSON.stringify({ format: 'safetune-train-state-2', ...pointer })));
        await expect(loadTrainState(store)).rejects.toThrow(/current\.json in .* names .*, which is not a checkpoint of this folder \(state-NNNNNN\)/);
        await saveTrainState(store, stateAt(73));
        expect((await loadTrainState(store))?.position.step).toBe(73);
      }
      expect(await readFile(join(dir, 'victim', 'config.json'), 'utf8')).toBe('{"precious": true}');
    });

    test('the store and its opener take plain names only', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'safetune-state-'));
      dirs.push(dir);
      const store = new DirectoryStore(join(dir, 'run'));
      await writeFile(join(dir, 'outside.json'), 'x');
      for (const name of ['../outside.json', '..', 'a/b', 'a\\b', '']) {
        await expect(store.read(name)).rejects.toThrow(/is not a valid file name in/);
        await expect(store.write(name, new Uint8Array([1]))).rejects.toThrow(/is not a valid file name in/);
        await expect(store.remove(name)).rejects.toThrow(/is not a valid file name in/);
      }
      expect(await readFile(join(dir, 'outside.json'), 'utf8')).toBe('x');
      expect(() => directoryOpener(dir)(['..'])).toThrow(/is not a valid folder name/);
      await expect(new MemoryFolderStore().read('../x')).rejects.toThrow(/is not a valid file name in memory/);
    });
  });
});
