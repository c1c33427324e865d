import { SafeTuneError } from '../errors';
import type { HostLoraWeights, LoraConfig } from '../model/lora';
import { byteSourceFromBytes } from '../weights/byte-sources';
import { readSafetensorsHeader } from '../weights/safetensors';
import { writeSafetensors, type TensorToWrite } from '../weights/safetensors-writer';
import type { AdamWState } from './adamw';
import type { CheckpointStore } from './checkpoint-store';
import type { TrainOptions } from './options';
import type { TrainerPosition } from './trainer';

const ADAPTER_FILE = 'adapter.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'trainer_state.json';
const FORMAT = 'safetune-checkpoint-1';

/** Everything a run needs to continue exactly where it stopped. */
export interface TrainingCheckpoint {
  position: TrainerPosition;
  totalSteps: number;
  options: TrainOptions;
  lora: LoraConfig;
  adapter: HostLoraWeights;
  optimizer: AdamWState;
  /** Free-form run description (model, dataset, SPF options…) so a resumed run can check it is the same run. */
  run: Record<string, unknown>;
}

/**
 * Writes the adapter, the optimizer moments and the trainer state. The state file goes last and names the step the
 * other two files carry, so a checkpoint interrupted half-way is detected on load rather than silently mixed.
 */
export async function saveCheckpoint(store: CheckpointStore, c: TrainingCheckpoint): Promise<void> {
  const step = String(c.position.step);
  const adapterTensors: TensorToWrite[] = [];
  const optimizerTensors: TensorToWrite[] = [];
  let i = 0;
  for (const [path, m] of c.adapter.modules) {
    adapterTensors.push({ name: `${path}.lora_A.weight`, shape: m.aShape, data: m.A, dtype: 'F32' });
    adapterTensors.push({ name: `${path}.lora_B.weight`, shape: m.bShape, data: m.B, dtype: 'F32' });
    for (const [which, shape] of [['lora_A', m.aShape], ['lora_B', m.bShape]] as const) {
      optimizerTensors.push({ name: `${path}.${which}.exp_avg`, shape, data: c.optimizer.m[i]!, dtype: 'F32' });
      optimizerTensors.push({ name: `${path}.${which}.exp_avg_sq`, shape, data: c.optimizer.v[i]!, dtype: 'F32' });
      i++;
    }
  }
  await store.write(ADAPTER_FILE, writeSafetensors(adapterTensors, { format: FORMAT, step }));
  await store.write(OPTIMIZER_FILE, writeSafetensors(optimizerTensors, { format: FORMAT, step, adam_step: String(c.optimizer.step) }));
  const state = { format: FORMAT, position: c.position, totalSteps: c.totalSteps, options: c.options, lora: c.lora, run: c.run, modules: [...c.adapter.modules.keys()] };
  await store.write(STATE_FILE, new TextEncoder().encode(JSON.stringify(state, null, 2) + '\n'));
}

interface StateFile {
  format: string;
  position: TrainerPosition;
  totalSteps: number;
  options: TrainOptions;
  lora: LoraConfig;
  run: Record<string, unknown>;
  modules: string[];
}

/** The checkpoint in `store`, or undefined when there is none. Throws naming the file when one is damaged. */
export async function loadCheckpoint(store: CheckpointStore): Promise<TrainingCheckpoint | undefined> {
  const stateBytes = await store.read(STATE_FILE);
  if (stateBytes === undefined) return undefined;
  const where = (f: string): string => `${f} in checkpoint ${store.description}`;
  let state: StateFile;
  try {
    state = JSON.parse(new TextDecoder().decode(stateBytes)) as StateFile;
  } catch (e) {
    throw new SafeTuneError('bad-argument', `${where(STATE_FILE)} is not valid JSON: ${(e as Error).message}`, 'delete the checkpoint folder to start over');
  }
  if (state.format !== FORMAT || !Array.isArray(state.modules) || typeof state.position?.step !== 'number') {
    throw new SafeTuneError('bad-argument', `${where(STATE_FILE)} is not a SafeTune checkpoint (format ${String(state.format)})`);
  }
  const open = async (name: string) => {
    const bytes = await store.read(name);
    if (bytes === undefined) throw new SafeTuneError('missing-file', `${where(name)} is missing`, 'the checkpoint is incomplete; delete it to start over');
    const file = await readSafetensorsHeader(byteSourceFromBytes(name, bytes));
    if (file.metadata['step'] !== String(state.position.step)) {
      throw new SafeTuneError('bad-argument', `${where(name)} is from step ${file.metadata['step']} but the trainer state is at step ${state.position.step}`, 'the checkpoint was interrupted while saving; delete it to start over');
    }
    return file;
  };
  const adapterFile = await open(ADAPTER_FILE);
  const optimizerFile = await open(OPTIMIZER_FILE);
  const modules: HostLoraWeights['modules'] = new Map();
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  for (const path of state.modules) {
    const A = await adapterFile.read(`${path}.lora_A.weight`);
    const B = await adapterFile.read(`${path}.lora_B.weight`);
    modules.set(path, { A: A.data, B: B.data, aShape: [A.shape[0]!, A.shape[1]!], bShape: [B.shape[0]!, B.shape[1]!] });
    for (const which of ['lora_A', 'lora_B']) {
      m.push((await optimizerFile.read(`${path}.${which}.exp_avg`)).data);
      v.push((await optimizerFile.read(`${path}.${which}.exp_avg_sq`)).data);
    }
  }
  return {
    position: state.position,
    totalSteps: state.totalSteps,
    options: state.options,
    lora: state.lora,
    run: state.run,
    adapter: { config: state.lora, modules },
    optimizer: { step: Number(optimizerFile.metadata['adam_step'] ?? state.position.step), m, v },
  };
}
