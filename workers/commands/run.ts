import { SafeTuneError } from '../../engine/errors';
import { ChosenDataset } from '../chosen-dataset';
import { reloadableSource, sameModelSource } from '../model-source';
import type { LoadedModel } from '../loaded-model';
import type { RunConfig, WorkerCommand } from '../protocol';
import { resolveRunConfig } from '../../engine/run/run-config';
import { isResumable, type RunRecord } from '../../engine/run/run-record';
import { newRunId, newRunRecord, resolveSafetyPairs, runData } from '../../engine/run/run-setup';
import { TrainingRun } from '../../engine/run/training-run';
import { checkDatasetDigest, checkDatasetRows, checkRecordForResume, checkSameModel, sameModelShape } from '../../engine/run/resume-checks';
import { SAMPLE_MAX_NEW_TOKENS, type SamplePrompt } from '../../engine/run/sample-prompts';
import type { SampleGeneration } from '../../engine/run/run-types';
import { greedyChatReply } from '../../engine/safety/refusal-eval';
import { tokenAccuracy } from '../../engine/run/token-accuracy';
import type { TokenizedExample } from '../../engine/data/types';
import type { RunHost } from '../../engine/run/run-host';
import type { WorkerState } from '../worker-state';
import { gpuFailure, WorkerError } from '../worker-errors';
import { showDataset } from './load-dataset';
import { loadModelInto } from './load-model';

type StartRunCommand = Extract<WorkerCommand, { type: 'startRun' }>;
type ResumeRunCommand = Extract<WorkerCommand, { type: 'resumeRun' }>;

/**
 * startRun: a new run on the current model and dataset. Answers `runStarted`, then trains; the request ends (`done`)
 * when the run pauses, stops or finishes, or with `error` when it fails. Aborting the request pauses the run.
 */
export async function startRun(state: WorkerState, cmd: StartRunCommand, signal: AbortSignal): Promise<void> {
  const run = await state.setupLock.run(async () => {
    const session = state.requireModel();
    state.requireNoActiveRun('start another run');
    state.clearOutOfMemory();
    const config: RunConfig = resolveRunConfig(cmd.config);
    const dataset = state.requireDataset().withValidation(cmd.validation);
    // The worker alone decides when the dataset must be read again: another tokenizer, max length or validation share.
    if (!dataset.isCurrent(session.tokenizer, config.train.maxLength)) await showDataset(state, dataset, cmd.requestId, config.train.maxLength);
    const safety = await resolveSafetyPairs(config, state.safety);
    const loaded = await dataset.load(session.tokenizer, config.train.maxLength);
    const data = runData(session.tokenizer, loaded, safety, config.train.maxLength);
    const now = new Date();
    const model = { source: session.stored, summary: session.summary };
    const record = newRunRecord({ runId: newRunId(now), now, model, dataset: dataset.request, loaded, config, safety });
    await state.disposeRun();
    const prompts = await dataset.samplePrompts(loaded.report.format).catch(() => []);
    const started = await TrainingRun.start(runHost(state, session, record, prompts, data.validation), record, data, dataset.request.bytes);
    await state.storage.addToIndex(record.runId);
    state.run = started;
    return started;
  });
  state.post({ type: 'runStarted', requestId: cmd.requestId, run: run.summary });
  await drive(run, signal);
}

/**
 * resumeRun: a stored run continues from its last checkpoint — also after a reload: the model is loaded again from the
 * record's source (unless it is the current one) and the dataset from the bytes stored with the run. Answers
 * modelLoaded / datasetLoaded when it loads them, `runStarted`, then one `metrics` event with `replace: true` holding
 * the run's series up to the checkpoint, then trains as startRun does.
 */
export async function resumeRun(state: WorkerState, cmd: ResumeRunCommand, signal: AbortSignal): Promise<void> {
  const run = await state.setupLock.run(async () => {
    state.requireBackend();
    state.requireNoActiveRun('resume a run');
    state.clearOutOfMemory();
    const folder = state.storage.folder(cmd.runId);
    const stored = await state.storage.readRecord(cmd.runId);
    if (stored === undefined) throw new WorkerError('not-ready', `there is no stored run ${cmd.runId}`, 'List the runs (listRuns) and pick one of those.');
    const record = checkRecordForResume(stored, `run.json in ${folder.description}`);
    if (!isResumable(record)) throw notResumable(record);
    if (record.dataset.validationFile !== undefined) {
      throw new WorkerError('not-ready', `run ${record.runId} holds out a separate validation file (${record.dataset.validationFile}), which the app does not load`, 'Resume it with the CLI: train --out FOLDER --resume.');
    }
    // The stored dataset is checked before the model is swapped or the page shown anything for a run that cannot resume.
    const bytes = await folder.readDataset();
    if (bytes === undefined) throw new SafeTuneError('missing-file', `the dataset of run ${record.runId} (${record.dataset.fileName}) is missing from browser storage`, 'The run cannot be resumed; start a new one.');
    await checkDatasetDigest(record, bytes, folder.description);
    const session = await modelFor(state, record, cmd.requestId, signal);
    checkSameModel(session.summary, record);
    const d = record.dataset;
    const dataset = new ChosenDataset({ fileName: d.fileName, bytes, maxLength: d.maxLength, ...(d.format === undefined ? {} : { format: d.format }), ...(d.validation === undefined ? {} : { validation: d.validation }) });
    await showDataset(state, dataset, cmd.requestId, record.config.train.maxLength);
    const loaded = await dataset.load(session.tokenizer, record.config.train.maxLength);
    checkDatasetRows(record, loaded.report, folder.description);
    const data = runData(session.tokenizer, loaded, record.safety, record.config.train.maxLength);
    await state.disposeRun();
    const prompts = await dataset.samplePrompts(loaded.report.format).catch(() => []);
    const resumed = await TrainingRun.resume(runHost(state, session, record, prompts, data.validation), record, data);
    state.run = resumed;
    return resumed;
  });
  state.post({ type: 'runStarted', requestId: cmd.requestId, run: run.summary });
  // Copies: the record's arrays keep growing (postMessage clones at once, an in-process sink would not).
  const { series } = run.record;
  state.post({ type: 'metrics', runId: run.runId, points: [...series.metrics], evals: [...series.evals], accuracy: [...series.accuracy], samples: [...series.samples], replace: true });
  await drive(run, signal);
}

/** Trains until the run ends this stretch; the request's abort pauses it (a checkpoint is saved, nothing is lost). */
async function drive(run: TrainingRun, signal: AbortSignal): Promise<void> {
  const onAbort = (): void => run.pause('the page cancelled the run request');
  signal.addEventListener('abort', onAbort);
  try {
    await run.train();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The worker as a run's host: the loaded model behind its lock, the run's OPFS folder, events posted to the page, and
 * after each evaluation of the main adapter its token accuracy on the validation rows and its greedy answers to a few
 * of the dataset's prompts (the page's chart and sample table), which the run stores in its record and emits.
 */
function runHost(state: WorkerState, session: LoadedModel, record: RunRecord, prompts: readonly SamplePrompt[], validation: readonly TokenizedExample[]): RunHost {
  const { runId } = record;
  const { batchSize, maxLength } = record.config.train;
  return {
    access: session,
    folder: state.storage.folder(runId),
    emit: (e) => state.post(e),
    timers: state.timers,
    gpuFailure: () => state.failure,
    asGpuFailure: gpuFailure,
    onEvaluated: async (_step, adapter) => {
      const accuracy = validation.length === 0 ? undefined : await session.use(adapter, (model) => tokenAccuracy(model, validation, batchSize, maxLength, session.padId));
      const samples: SampleGeneration['samples'] = [];
      for (const p of prompts) {
        const reply = await session.use(adapter, (model) => greedyChatReply(model, session.tokenizer, p.prompt, SAMPLE_MAX_NEW_TOKENS));
        samples.push({ prompt: p.prompt, expected: p.expected, reply });
      }
      return { ...(accuracy === undefined ? {} : { accuracy }), samples };
    },
  };
}

/** The current model when it is the run's, else the run's model loaded again from its source. */
async function modelFor(state: WorkerState, record: RunRecord, requestId: string, signal: AbortSignal): Promise<LoadedModel> {
  const current = state.model;
  if (current !== undefined && sameModelSource(current.stored, record.model.source) && sameModelShape(current.summary, record.model.summary)) return current;
  const source = reloadableSource(record.model.source);
  // A folder the page cannot open again (dropped, or a CLI run's path): the model the user loaded, if it has its shape.
  if (source === undefined && current !== undefined && sameModelShape(current.summary, record.model.summary)) return current;
  if (source === undefined) {
    throw new WorkerError(
      'not-ready',
      `run ${record.runId} trained ${record.model.summary.description}, which was dropped into the page and is not loaded now`,
      'Drop or pick the same model folder again (loadModel), then resume the run.',
    );
  }
  return loadModelInto(state, source, requestId, signal);
}

function notResumable(record: RunRecord): WorkerError {
  const why =
    record.status === 'done'
      ? 'it finished'
      : record.status === 'stopped'
        ? 'it was stopped'
        : record.status === 'error'
          ? `it failed (${record.reason ?? 'no reason stored'})`
          : 'it has no checkpoint yet (it was interrupted before its first one)';
  return new WorkerError('not-ready', `run ${record.runId} cannot be resumed: ${why}`, 'Its adapter and record can still be exported; start a new run to train further.');
}
