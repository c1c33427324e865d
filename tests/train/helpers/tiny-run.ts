import { expect } from 'vitest';
import { loadDataset } from '../../../engine/data/load-dataset';
import { loadCausalLM } from '../../../engine/model/load';
import { tinyCheckpointFiles } from '../../../engine/model/tiny-checkpoint';
import { soleModel } from '../../../engine/run/model-access';
import { summarizeModel } from '../../../engine/run/model-summary';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../../engine/run/run-config';
import type { RunEvent } from '../../../engine/run/run-events';
import { memoryRunHost } from '../../../engine/run/memory-host';
import { newRunRecord, runData } from '../../../engine/run/run-setup';
import type { RunConfig } from '../../../engine/run/run-types';
import { TrainingRun } from '../../../engine/run/training-run';
import { loadTokenizer } from '../../../engine/tokenizer/load-tokenizer';
import type { TrainOptions } from '../../../engine/train/options';
import { MemoryFiles } from '../../../engine/weights/memory-files';
import { setBackend } from '../../helpers/backend';
import { chatRows, PROBE } from '../../worker/helpers/site';

// A tiny run of the engine's TrainingRun (tfjs-cpu, a tiny Llama, memory folders), as the tests of runs build it.

export const bytes = new TextEncoder().encode(chatRows(12).map((r) => JSON.stringify(r)).join('\n') + '\n');

export async function tinyRun(train: Partial<TrainOptions>, lora: Partial<RunConfig['lora']> = {}, gpu: { failure?: Error } = {}, evalEvery = 0) {
  await setBackend('cpu');
  const files = new MemoryFiles(tinyCheckpointFiles('llama', { seed: 3 }), 'tiny');
  const tokenizer = await loadTokenizer(files);
  const model = await loadCausalLM(files);
  const loaded = await loadDataset(bytes, 'chat.jsonl', tokenizer, { maxLength: 64 });
  const d = DEFAULT_RUN_CONFIG;
  const config = resolveRunConfig({
    ...d,
    lora: { ...d.lora, r: 4, alpha: 8, ...lora },
    train: { ...d.train, batchSize: 2, maxLength: 64, seed: 1, ...train },
    spf: { ...d.spf, enabled: false },
    evalEvery,
    guard: { enabled: false, driftThreshold: 0.5 },
  });
  const safety = { anchors: [], probe: PROBE };
  const summary = summarizeModel(model.config, 'tiny', tokenizer.hasChatTemplate, 'cpu');
  const record = newRunRecord({ runId: 'run-test', now: new Date(), model: { source: { kind: 'folder', path: 'tiny' }, summary }, dataset: { fileName: 'chat.jsonl' }, loaded, config, safety });
  const events: RunEvent[] = [];
  const host = memoryRunHost(
    soleModel(model, tokenizer.padTokenId),
    (e) => {
      events.push(e);
      if (e.type === 'metrics') onMetrics?.(e.points.map((p) => p.step));
    },
    { gpuFailure: () => gpu.failure },
  );
  const folder = host.folder;
  let onMetrics: ((steps: number[]) => void) | undefined;
  const data = runData(tokenizer, loaded, safety, 64);
  const start = () => TrainingRun.start(host, record, data, bytes);
  /** Starts the run, pauses it once step `step` is measured and disposes it: its folder then holds that checkpoint. */
  const trainUntilPaused = async (step: number): Promise<void> => {
    const run = await start();
    onMetrics = (steps) => {
      if (steps.includes(step)) run.pause('test');
    };
    expect(await run.train()).toBe('paused');
    await run.dispose();
  };
  return { start, trainUntilPaused, host, data, model, tokenizer, loaded, folder, record, events, setOnMetrics: (f: (steps: number[]) => void) => (onMetrics = f) };
}
