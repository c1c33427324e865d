import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryFolderStore } from '../../engine/train/folder-store';
import { loadTrainState, saveTrainState } from '../../engine/train/train-state';
import { DirectoryStore } from '../../node-host/directory-store';
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
  });
});
