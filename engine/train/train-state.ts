import { SafeTuneError } from '../errors';
import type { HostLoraWeights, LoraConfig } from '../model/lora';
import { byteSourceFromBytes } from '../weights/byte-sources';
import { readSafetensorsHeader } from '../weights/safetensors';
import { sha256Hex } from '../weights/hub-policy';
import { writeSafetensors, type TensorToWrite } from '../weights/safetensors-writer';
import type { AdamWState } from './adamw';
import type { FolderStore } from './folder-store';
import type { TrainOptions } from './options';
import type { TrainerPosition } from './trainer';

// A training state (what users call a "checkpoint") is one unit of three files named after its step:
//   state-000015.adapter.safetensors   the LoRA matrices
//   state-000015.optimizer.safetensors the AdamW moments
//   state-000015.json                  the manifest: trainer position, options, run, and each file's size + SHA-256
// and `current.json` names the current unit and the one before it. A save writes the new unit's files under their new
// names, then replaces current.json (one rename), and only then deletes the unit before the previous one; a crash at
// any point leaves current.json naming whole units. Loading verifies every file against the manifest and falls back to
// the previous unit when the newest is damaged, saying so.

const FORMAT = 'safetune-train-state-2';
const POINTER_FILE = 'current.json';
/** The state file of format 1 (three files written one after another): recognised only to say it is not resumed. */
const LEGACY_STATE_FILE = 'trainer_state.json';

/** Everything a run needs to continue exactly where it stopped. */
export interface TrainState {
  position: TrainerPosition;
  totalSteps: number;
  options: TrainOptions;
  lora: LoraConfig;
  adapter: HostLoraWeights;
  optimizer: AdamWState;
  /** Free-form run description (model, dataset, SPF options…) so a resumed run can check it is the same run. */
  run: Record<string, unknown>;
}

interface Manifest {
  format: string;
  position: TrainerPosition;
  totalSteps: number;
  options: TrainOptions;
  lora: LoraConfig;
  run: Record<string, unknown>;
  modules: string[];
  adamStep: number;
  files: Record<'adapter' | 'optimizer', { name: string; bytes: number; sha256: string }>;
}

interface Pointer {
  format: string;
  current: string;
  previous?: string;
}

const unitName = (step: number): string => `state-${String(step).padStart(6, '0')}`;
const unitFiles = (unit: string): string[] => [`${unit}.json`, `${unit}.adapter.safetensors`, `${unit}.optimizer.safetensors`];
/** What unitName writes. The pointer's and manifests' names are read back from the folder, which is untrusted input. */
const UNIT_NAME = /^state-\d{6,}$/;

/** Saves `state` as a new unit and makes it current; the previous unit stays until the next save. */
export async function saveTrainState(store: FolderStore, state: TrainState): Promise<void> {
  const unit = unitName(state.position.step);
  const adapterTensors: TensorToWrite[] = [];
  const optimizerTensors: TensorToWrite[] = [];
  let i = 0;
  for (const [path, m] of state.adapter.modules) {
    adapterTensors.push({ name: `${path}.lora_A.weight`, shape: m.aShape, data: m.A, dtype: 'F32' });
    adapterTensors.push({ name: `${path}.lora_B.weight`, shape: m.bShape, data: m.B, dtype: 'F32' });
    for (const [which, shape] of [['lora_A', m.aShape], ['lora_B', m.bShape]] as const) {
      optimizerTensors.push({ name: `${path}.${which}.exp_avg`, shape, data: state.optimizer.m[i]!, dtype: 'F32' });
      optimizerTensors.push({ name: `${path}.${which}.exp_avg_sq`, shape, data: state.optimizer.v[i]!, dtype: 'F32' });
      i++;
    }
  }
  const adapterBytes = writeSafetensors(adapterTensors, { format: FORMAT });
  const optimizerBytes = writeSafetensors(optimizerTensors, { format: FORMAT });
  const [, adapterName, optimizerName] = unitFiles(unit) as [string, string, string];
  await store.write(adapterName, adapterBytes);
  await store.write(optimizerName, optimizerBytes);
  const manifest: Manifest = {
    format: FORMAT,
    position: state.position,
    totalSteps: state.totalSteps,
    options: state.options,
    lora: state.lora,
    run: state.run,
    modules: [...state.adapter.modules.keys()],
    adamStep: state.optimizer.step,
    files: {
      adapter: { name: adapterName, bytes: adapterBytes.length, sha256: await sha256Hex(adapterBytes) },
      optimizer: { name: optimizerName, bytes: optimizerBytes.length, sha256: await sha256Hex(optimizerBytes) },
    },
  };
  await store.write(`${unit}.json`, encodeJson(manifest));

  const old = await readPointer(store).catch(() => undefined);
  const previous = old?.current === unit ? old.previous : old?.current;
  const pointer: Pointer = { format: FORMAT, current: unit, ...(previous === undefined ? {} : { previous }) };
  await store.write(POINTER_FILE, encodeJson(pointer)); // the one step that makes the new unit current
  for (const stale of [old?.current, old?.previous]) {
    if (stale !== undefined && stale !== unit && stale !== previous) for (const f of unitFiles(stale)) await store.remove(f);
  }
}

export interface LoadTrainStateOptions {
  /** Only units at or before this step (a run whose record names an earlier step than its newest unit). */
  maxStep?: number;
  /** Told when the newest unit is damaged and an older one is used instead. */
  warn?: (message: string) => void;
}

/**
 * The newest whole training state in `store` (every file verified against its manifest), or undefined when the store
 * has none. A damaged newest unit falls back to the previous one (reported through `warn`); throws naming the files
 * when no unit is whole.
 */
export async function loadTrainState(store: FolderStore, options: LoadTrainStateOptions = {}): Promise<TrainState | undefined> {
  const pointer = await readPointer(store);
  if (pointer === undefined) {
    if ((await store.read(LEGACY_STATE_FILE)) !== undefined) {
      throw new SafeTuneError('bad-argument', `the checkpoint in ${store.description} was saved by an earlier SafeTune (${LEGACY_STATE_FILE}, three files not saved as one unit) and is not resumed`, 'Start the run again; checkpoints saved from now on are whole units that survive a crash.');
    }
    return undefined;
  }
  const problems: string[] = [];
  for (const unit of [pointer.current, pointer.previous]) {
    if (unit === undefined) continue;
    try {
      const state = await readUnit(store, unit);
      if (options.maxStep !== undefined && state.position.step > options.maxStep) {
        problems.push(`${unit} is past step ${options.maxStep}`);
        continue;
      }
      if (problems.length > 0) options.warn?.(`the newest checkpoint in ${store.description} cannot be used (${problems.join('; ')}); resuming from step ${state.position.step} instead`);
      return state;
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new SafeTuneError('bad-argument', `no usable checkpoint in ${store.description}: ${problems.join('; ')}`, 'The saved training state is damaged; delete it to start the run over.');
}

async function readPointer(store: FolderStore): Promise<Pointer | undefined> {
  const bytes = await store.read(POINTER_FILE);
  if (bytes === undefined) return undefined;
  const pointer = parseJson<Pointer>(bytes, `${POINTER_FILE} in ${store.description}`);
  if (pointer.format !== FORMAT || typeof pointer.current !== 'string') {
    throw new SafeTuneError('bad-argument', `${POINTER_FILE} in ${store.description} is not a SafeTune checkpoint pointer (format ${String(pointer.format)})`);
  }
  // A save deletes the units the pointer names once they are stale, and a load reads them: only names a save writes.
  for (const unit of [pointer.current, pointer.previous]) {
    if (unit !== undefined && (typeof unit !== 'string' || !UNIT_NAME.test(unit))) {
      throw new SafeTuneError('bad-argument', `${POINTER_FILE} in ${store.description} names ${quoted(unit)}, which is not a checkpoint of this folder (state-NNNNNN)`, 'The checkpoint pointer was edited or damaged; delete the folder\'s checkpoints to start the run over.');
    }
  }
  return pointer;
}

async function readUnit(store: FolderStore, unit: string): Promise<TrainState> {
  const manifestName = `${unit}.json`;
  const manifestBytes = await store.read(manifestName);
  if (manifestBytes === undefined) throw new Error(`${manifestName} is missing`);
  const manifest = parseJson<Manifest>(manifestBytes, manifestName);
  if (manifest.format !== FORMAT || !Array.isArray(manifest.modules) || typeof manifest.position?.step !== 'number' || typeof manifest.files !== 'object') {
    throw new Error(`${manifestName} is not a SafeTune training state (format ${String(manifest.format)})`);
  }
  const open = async (which: 'adapter' | 'optimizer') => {
    const want = manifest.files[which];
    const expected = `${unit}.${which}.safetensors`;
    if (want?.name !== expected) throw new Error(`${manifestName} names ${quoted(want?.name)} as its ${which} file, not ${expected}`);
    const bytes = await store.read(want.name);
    if (bytes === undefined) throw new Error(`${want.name} is missing`);
    if (bytes.length !== want.bytes) throw new Error(`${want.name} has ${bytes.length} bytes, its manifest says ${want.bytes} (truncated)`);
    if ((await sha256Hex(bytes)) !== want.sha256) throw new Error(`${want.name} does not match the checksum in its manifest (corrupt)`);
    return readSafetensorsHeader(byteSourceFromBytes(want.name, bytes));
  };
  const adapterFile = await open('adapter');
  const optimizerFile = await open('optimizer');
  const modules: HostLoraWeights['modules'] = new Map();
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  for (const path of manifest.modules) {
    const A = await adapterFile.read(`${path}.lora_A.weight`);
    const B = await adapterFile.read(`${path}.lora_B.weight`);
    modules.set(path, { A: A.data, B: B.data, aShape: [A.shape[0]!, A.shape[1]!], bShape: [B.shape[0]!, B.shape[1]!] });
    for (const which of ['lora_A', 'lora_B']) {
      m.push((await optimizerFile.read(`${path}.${which}.exp_avg`)).data);
      v.push((await optimizerFile.read(`${path}.${which}.exp_avg_sq`)).data);
    }
  }
  return {
    position: manifest.position,
    totalSteps: manifest.totalSteps,
    options: manifest.options,
    lora: manifest.lora,
    run: manifest.run,
    adapter: { config: manifest.lora, modules },
    optimizer: { step: manifest.adamStep, m, v },
  };
}

/** A name from a file, for a message: JSON-quoted and cut, whatever it holds. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 1) + '\n');
}

function parseJson<T>(bytes: Uint8Array, where: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (e) {
    throw new SafeTuneError('bad-argument', `${where} is not valid JSON: ${(e as Error).message}`, 'The file was damaged; delete the checkpoint folder to start over.');
  }
}
