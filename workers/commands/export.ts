import { SafeTuneError } from '../../engine/errors';
import { checkRecordForResume } from '../../engine/run/resume-checks';
import { exportMergedModel } from '../../engine/export/merge';
import { modelCard } from '../../engine/export/model-card';
import { zipFolder } from '../zip-folder';
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
  /** Read from storage rather than the run in memory: its run.json may have been edited since SafeTune wrote it. */
  stored?: boolean;
  adapter(): Promise<HostLoraWeights>;
}

/**
 * One download for the user, one zip (`file` event, bytes transferred, not copied) — a browser asks before letting a
 * page start several downloads at once, and a folder's files belong together:
 * - 'adapter': <runId>-adapter.zip: adapter_model.safetensors + adapter_config.json, as PEFT's save_pretrained writes
 *   them, and README.md, the model card;
 * - 'merged': <runId>-merged.zip: the base model with the adapter merged in (config.json, safetensors shard(s),
 *   tokenizer files) and README.md;
 * - 'record': <runId>-record.zip: <runId>.json, the run record (config + every metric series).
 * From the current run (its adapter as trained so far), or with `runId` from a stored run's last checkpoint.
 */
export async function exportCommand(state: WorkerState, cmd: ExportCommand): Promise<void> {
  const source = await exportSource(state, cmd.runId);
  const { runId } = source.record;
  const baseModel = baseModelName(source.record.model.source);
  const send = (what: string, files: Iterable<[string, Uint8Array]>): void => {
    const bytes = zipFolder(files);
    const buffer = bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer; // transferable, exact size
    state.post({ type: 'file', requestId: cmd.requestId, fileName: `${runId}-${what}.zip`, mime: 'application/zip', bytes: buffer as ArrayBuffer }, [buffer as ArrayBuffer]);
  };
  switch (cmd.what) {
    case 'record':
      send('record', [[`${runId}.json`, encodeRunRecord(source.record)]]);
      return;
    case 'adapter': {
      const card = new TextEncoder().encode(modelCard(cardRecord(source), { baseModel, kind: 'adapter' }));
      const written = writePeftAdapter(await source.adapter(), baseModel);
      send('adapter', [...peftAdapterFiles(written), ['README.md', card]]);
      return;
    }
    case 'merged': {
      const card = new TextEncoder().encode(modelCard(cardRecord(source), { baseModel, kind: 'merged' }));
      const session = state.requireModel();
      if (!sameModelSource(session.stored, source.record.model.source)) {
        throw new WorkerError('not-ready', `run ${source.record.runId} trained ${source.record.model.summary.description}, but ${session.summary.description} is loaded`, 'Load the run\'s base model first: the merge reads its weights.');
      }
      const files = await exportMergedModel(session.files, await source.adapter(), { dtype: cmd.dtype ?? 'same-as-base' });
      // The base model's own README.md (its card) gives way to this model's.
      send('merged', [...[...files].filter(([name]) => name !== 'README.md'), ['README.md', card]]);
      return;
    }
    default:
      throw new SafeTuneError('bad-argument', `unknown export "${String(cmd.what)}"`, 'Use adapter, merged or record.');
  }
}

/**
 * The record a model card is written from. A stored run.json's settings go into the card's table as they are, so they
 * must be ones a run can have (the resume's check), not whatever text an edited file holds; the record export itself
 * hands the file back as stored.
 */
function cardRecord(source: ExportSource): RunRecord {
  return source.stored === true ? checkRecordForResume(source.record, `run.json of stored run ${source.record.runId}`) : source.record;
}

async function exportSource(state: WorkerState, runId: string | undefined): Promise<ExportSource> {
  const run = state.run;
  if (run !== undefined && (runId === undefined || runId === run.runId)) {
    const session = state.requireModel();
    return { record: run.record, adapter: () => session.use(run.mainAdapter, () => run.mainAdapter.toHost()) };
  }
  if (runId === undefined) throw new WorkerError('not-ready', 'there is no run to export', 'Train (or resume) a run first, or pick a stored run to export from.');
  const stored = await state.storage.readRecord(runId);
  if (stored === undefined) throw new WorkerError('not-ready', `there is no stored run ${runId}`, 'List the runs (listRuns) and pick one of those.');
  return {
    record: stored,
    stored: true,
    adapter: async () => {
      const checkpoint = await loadTrainState(state.storage.folder(runId).trainStates(mainVariant(stored.config)), {
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
