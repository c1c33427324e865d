import { batchShapeForModel } from '../../engine/run/size-defaults';
import { downloadProgressReporter } from '../download-progress';
import { ModelSession } from '../model-session';
import { openModelSource } from '../model-source';
import type { ModelSource } from '../protocol';
import type { WorkerState } from '../worker-state';

/**
 * Opens a model source (download progress as events), loads tokenizer and weights, and makes it the current model.
 * The previous model and its run's adapters are released first, so two models never hold GPU memory at once.
 */
export async function loadModelInto(state: WorkerState, source: ModelSource, requestId: string, signal: AbortSignal): Promise<ModelSession> {
  const backend = state.requireBackend();
  state.requireNoActiveRun('load another model');
  const opened = await openModelSource(source, {
    assetBase: state.assetBase,
    onProgress: downloadProgressReporter(requestId, (e) => state.post(e), state.timers),
    signal,
  });
  const tokenizer = await ModelSession.prepare(opened);
  await state.disposeModel();
  const session = await ModelSession.load(opened, tokenizer, backend);
  state.session = session;
  state.post({ type: 'modelLoaded', requestId, summary: session.summary, batchShape: batchShapeForModel(session.summary.parameters) });
  return session;
}
