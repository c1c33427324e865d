import { SafeTuneError } from '../../engine/errors';
import { previewRows } from '../dataset-preview';
import { ChosenDataset, type DatasetRequest } from '../chosen-dataset';
import type { DatasetSource, WorkerCommand } from '../protocol';
import type { WorkerState } from '../worker-state';

type LoadDatasetCommand = Extract<WorkerCommand, { type: 'loadDataset' }>;

/** Reads, validates and tokenizes a dataset with the current model's tokenizer; answers with the report and a preview. */
export async function loadDatasetCommand(state: WorkerState, cmd: LoadDatasetCommand, signal: AbortSignal): Promise<void> {
  state.requireModel(); // the tokenizer comes from the model
  state.requireNoActiveRun('load another dataset');
  const request: DatasetRequest = {
    ...(await datasetFile(state, cmd.source, signal)),
    maxLength: cmd.maxLength,
    ...(cmd.format === undefined ? {} : { format: cmd.format }),
    ...(cmd.validation === undefined ? {} : { validation: cmd.validation }),
  };
  await showDataset(state, new ChosenDataset(request), cmd.requestId);
}

/** Makes `dataset` the current one and sends its report and preview (also used by resumeRun). */
export async function showDataset(state: WorkerState, dataset: ChosenDataset, requestId: string, maxLength?: number): Promise<void> {
  const session = state.requireModel();
  // Rows tokenized so far, for the page's count ("1,200 of 7,473 rows"): GSM8K-sized files take many seconds.
  const loaded = await dataset.load(session.tokenizer, maxLength, (done, total) => state.post({ type: 'progress', requestId, task: 'tokenize', done, total }));
  state.dataset = dataset;
  state.post({ type: 'datasetLoaded', requestId, report: loaded.report, preview: previewRows([...loaded.train, ...loaded.validation], session.tokenizer) });
}

async function datasetFile(state: WorkerState, source: DatasetSource, signal: AbortSignal): Promise<{ fileName: string; bytes: Uint8Array }> {
  if (source.kind === 'bytes') {
    if (!(source.bytes instanceof ArrayBuffer)) throw new SafeTuneError('bad-argument', `the dataset ${source.fileName} arrived without its bytes`, 'Send the file content as an ArrayBuffer.');
    return { fileName: source.fileName, bytes: new Uint8Array(source.bytes) };
  }
  if (!/^[\w.-]+$/.test(source.fileName)) {
    throw new SafeTuneError('bad-argument', `"${source.fileName}" is not a bundled dataset name`, 'Use a file name under public/datasets/, e.g. benign-task.jsonl.');
  }
  return { fileName: source.fileName, bytes: await state.assets(`datasets/${source.fileName}`, signal) };
}
