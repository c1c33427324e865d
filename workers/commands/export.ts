import { SafeTuneError } from '../../engine/errors';
import { exportMergedModel } from '../../engine/export/merge';
import { peftAdapterFiles, writePeftAdapter } from '../../engine/export/peft-adapter';
import type { HostLoraWeights } from '../../engine/model/lora';
import { loadTrainState } from '../../engine/train/train-state';
import type { StoredModelSource } from '../../engine/run/run-types';
import { sameModelSource } from '../model-source';
import type { WorkerCommand } from '../protocol';
import { mainVariant } from '../../engine/run/run-config';
import { encodeRunRecord, type RunRecord } from '../../engine/run/run-record';
import type { WorkerState } from '../worker-state';
import { WorkerError } from '../worker-errors';

type ExportCommand = Extract<WorkerCommand, { type: 'export' }>;

/** What an export reads: a run's record and a way to get its main adapter's weights. */
interface ExportSource {
  record: RunRecord;
  adapter(): Promise<HostLoraWeights>;
}

/**
 * Downloads for the user, one `file` event each (bytes transferred, not copied):
 * - 'adapter': adapter_model.safetensors + adapter_config.json, as PEFT's save_pretrained writes them;
 * - 'merged': the base model with the adapter merged in (config.json, safetensors shard(s), tokenizer files);
 * - 'record': <runId>.json, the run record (config + every metric series).
 * From the current run (its adapter as trained so far), or with `runId` from a stored run's last checkpoint.
 */
export async function exportCommand(state: WorkerState, cmd: ExportCommand): Promise<void> {
  const source = await exportSource(state, cmd.runId);
  const send = (fileName: string, bytes: Uint8Array): void => {
    const buffer = bytes.slice().buffer; // an exact-size copy we own, so it can be transferred
    state.post({ type: 'file', requestId: cmd.requestId, fileName, mime: fileName.endsWith('.json') ? 'application/json' : 'application/octet-stream', bytes: buffer }, [buffer]);
  };
  switch (cmd.what) {
    case 'record':
      send(`${source.record.runId}.json`, encodeRunRecord(source.record));
      return;
    case 'adapter': {
      const written = writePeftAdapter(await source.adapter(), baseModelName(source.record.model.source));
      for (const [name, bytes] of peftAdapterFiles(written)) send(name, bytes);
      return;
    }
    case 'merged': {
      const session = state.requireModel();
      if (!sameModelSource(session.stored, source.record.model.source)) {
        throw new WorkerError('not-ready', `run ${source.record.runId} trained ${source.record.model.summary.description}, but ${session.summary.description} is loaded`, 'Load the run\'s base model first: the merge reads its weights.');
      }
      const files = await exportMergedModel(session.files, await source.adapter(), { dtype: cmd.dtype ?? 'same-as-base' });
      for (const [name, bytes] of files) send(name, bytes);
      return;
    }
    default:
      throw new SafeTuneError('bad-argument', `unknown export "${String(cmd.what)}"`, 'Use adapter, merged or record.');
  }
}

async function exportSource(state: WorkerState, runId: string | undefined): Promise<ExportSource> {
  const run = state.run;
  if (run !== undefined && (runId === undefined || runId === run.runId)) {
    const session = state.requireModel();
    return { record: run.record, adapter: () => session.use(run.mainAdapter, () => run.mainAdapter.toHost()) };
  }
  if (runId === undefined) throw new WorkerError('not-ready', 'there is no run to export', 'Train (or resume) a run first, or pick a stored run to export from.');
  const record = await state.storage.folder(runId).readRecord();
  if (record === undefined) throw new WorkerError('not-ready', `there is no stored run ${runId}`, 'List the runs (listRuns) and pick one of those.');
  return {
    record,
    adapter: async () => {
      const checkpoint = await loadTrainState(state.storage.folder(runId).trainStates(mainVariant(record.config)), {
        warn: (message) => state.post({ type: 'log', level: 'warn', message }),
      });
      if (checkpoint === undefined) throw new WorkerError('not-ready', `run ${runId} has no saved checkpoint to export`, 'It was interrupted before its first checkpoint; its record can still be exported.');
      return checkpoint.adapter;
    },
  };
}

/** base_model_name_or_path in adapter_config.json: the hub id, or the bundled / local folder's name. */
function baseModelName(source: StoredModelSource): string {
  switch (source.kind) {
    case 'bundled':
      return source.name;
    case 'hub':
      return source.repoId;
    case 'files':
      return source.description.replace(/^local folder /, '');
    case 'folder':
      return source.path;
  }
}
