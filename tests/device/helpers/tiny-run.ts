import { loadDataset } from '../../../engine/data/load-dataset';
import { loadCausalLM } from '../../../engine/model/load';
import { tinyCheckpointFiles } from '../../../engine/model/tiny-checkpoint';
import { memoryRunHost } from '../../../engine/run/memory-host';
import { soleModel, type ModelAccess } from '../../../engine/run/model-access';
import { summarizeModel } from '../../../engine/run/model-summary';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../../engine/run/run-config';
import { newRunRecord, runData } from '../../../engine/run/run-setup';
import { TrainingRun } from '../../../engine/run/training-run';
import { loadTokenizer } from '../../../engine/tokenizer/load-tokenizer';
import type { TrainOptions } from '../../../engine/train/options';
import { MemoryFiles } from '../../../engine/weights/memory-files';
import { chatRows, PROBE } from '../../worker/helpers/site';

const DATASET = new TextEncoder().encode(chatRows(12).map((r) => JSON.stringify(r)).join('\n') + '\n');

/**
 * A plain-LoRA run of a tiny Llama on the current tfjs backend, in memory folders, with the real device watch as its
 * GPU-fault source (memoryRunHost). `onStepMetrics` hears each step's metrics the moment the run emits them (after
 * the step's loss was read, before its checkpoint). `resume` continues the run from its folder with the model loaded
 * again on the backend current then. `afterModelTask` runs after each task on the model (a step, a checkpoint's
 * read-back) has finished, before its result is used.
 */
export async function tinyRunSetup(train: Partial<TrainOptions>, onStepMetrics: (steps: number[]) => void = () => {}, afterModelTask: () => void = () => {}) {
  const files = new MemoryFiles(tinyCheckpointFiles('llama', { seed: 3 }), 'tiny');
  const tokenizer = await loadTokenizer(files);
  let model = await loadCausalLM(files);
  const loaded = await loadDataset(DATASET, 'chat.jsonl', tokenizer, { maxLength: 64 });
  const d = DEFAULT_RUN_CONFIG;
  const config = resolveRunConfig({
    ...d,
    lora: { ...d.lora, r: 4, alpha: 8 },
    train: { ...d.train, batchSize: 2, maxLength: 64, seed: 1, ...train },
    spf: { ...d.spf, enabled: false },
    evalEvery: 0,
    guard: { enabled: false, driftThreshold: 0.5 },
  });
  const safety = { anchors: [], probe: PROBE };
  const summary = summarizeModel(model.config, 'tiny', tokenizer.hasChatTemplate, 'webgpu');
  const record = newRunRecord({ runId: 'run-device', now: new Date(), model: { source: { kind: 'folder', path: 'tiny' }, summary }, dataset: { fileName: 'chat.jsonl' }, loaded, config, safety });
  const data = runData(tokenizer, loaded, safety, 64);
  const accessTo = (m: typeof model): ModelAccess => {
    const sole = soleModel(m, tokenizer.padTokenId);
    const use: ModelAccess['use'] = async (adapter, task) => {
      const result = await sole.use(adapter, task);
      afterModelTask();
      return result;
    };
    return { ...sole, use };
  };
  const hostFor = (m: typeof model, folder?: ReturnType<typeof memoryRunHost>['folder']) =>
    memoryRunHost(accessTo(m), (e) => e.type === 'metrics' && onStepMetrics(e.points.map((p) => p.step)), folder === undefined ? {} : { folder });
  const host = hostFor(model);
  return {
    record,
    folder: host.folder,
    get model() {
      return model;
    },
    start: () => TrainingRun.start(host, record, data, DATASET),
    resume: async () => {
      model = await loadCausalLM(files);
      const stored = await host.folder.readRecord();
      if (stored === undefined) throw new Error('the run record was not written');
      return TrainingRun.resume(hostFor(model, host.folder), stored, data);
    },
  };
}
