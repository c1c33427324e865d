import { presetsForModel } from '../../engine/run/presets';
import { batchShapeForModel } from '../../engine/run/size-defaults';
import { downloadProgressReporter } from '../download-progress';
import { LoadedModel } from '../loaded-model';
import { openModelSource } from '../model-source';
import type { ModelSource } from '../protocol';
import type { WorkerState } from '../worker-state';
import { showDataset } from './load-dataset';

/**
 * Opens a model source (download progress as events), loads tokenizer and weights, and makes it the current model.
 * The previous model and its run's adapters are released first, so two models never hold GPU memory at once.
 */
export async function loadModelInto(state: WorkerState, source: ModelSource, requestId: string, signal: AbortSignal, rereadDataset = false): Promise<LoadedModel> {
  const backend = state.requireBackend();
  state.requireNoActiveRun('load another model');
  const opened = await openModelSource(source, {
    assetBase: state.assetBase,
    onProgress: downloadProgressReporter(requestId, (e) => state.post(e), state.timers),
    signal,
  });
  const tokenizer = await LoadedModel.prepare(opened);
  await state.disposeModel();
  const session = await LoadedModel.load(opened, tokenizer, backend);
  state.model = session;
  state.post({ type: 'modelLoaded', requestId, summary: session.summary, batchShape: batchShapeForModel(session.summary.parameters), presets: presetsForModel(session.summary.parameters) });
  if (rereadDataset) await rereadCurrentDataset(state, requestId);
  return session;
}

/**
 * The current dataset read again with the new model's tokenizer (datasetLoaded for the request), so a run never trains
 * on another tokenizer's ids and the page need not send the file again. A dataset this tokenizer cannot read is
 * dropped with a warning: the model load itself succeeded.
 */
async function rereadCurrentDataset(state: WorkerState, requestId: string): Promise<void> {
  const dataset = state.dataset;
  if (dataset === undefined) return;
  try {
    await showDataset(state, dataset, requestId);
  } catch (e) {
    state.dataset = undefined;
    state.post({ type: 'log', level: 'warn', message: `${dataset.request.fileName} could not be read with this model's tokenizer (${e instanceof Error ? e.message : String(e)}); load a dataset again` });
  }
}
