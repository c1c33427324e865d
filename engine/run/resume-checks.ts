import { SafeTuneError } from '../errors';
import type { DatasetReport } from '../data/report';
import type { TrainState } from '../train/train-state';
import { sha256Hex } from '../weights/hub-policy';
import { FINGERPRINT_SIZE } from './model-fingerprint';
import { resolveRunConfig } from './run-config';
import type { RunRecord } from './run-record';
import type { ModelSummary } from './run-types';

// A resume trusts nothing it reads back: a run folder may come from another machine or have been edited, and every
// check below once let a resumed run go on silently with something other than what it trained on (a red-team pass:
// another dataset, another model of the same shape, a record whose config or step count disagreed with its checkpoint).

const RESUME_HINT = 'The run folder was edited or mixed with another run; start a new run, or restore the folder.';

/**
 * The record's parts a resume uses, checked before anything loads: a record missing its config, model, dataset or
 * safety sets — or with a config no new run could have (batch size 0, a learning rate "abc") — is named as damaged
 * instead of failing later inside tfjs. Returns the record with its config as the engine resolves it.
 */
export function checkRecordForResume(record: RunRecord, where: string): RunRecord {
  const missing = (['config', 'model', 'dataset', 'safety'] as const).filter((k) => typeof record[k] !== 'object' || record[k] === null);
  if (missing.length > 0) throw damaged(where, `has no ${missing.join(', ')}`);
  const { model, dataset, safety } = record;
  if (typeof model.source !== 'object' || model.source === null || typeof model.summary !== 'object' || model.summary === null) throw damaged(where, 'does not say which model the run trained');
  if (typeof dataset.fileName !== 'string' || typeof dataset.report !== 'object' || dataset.report === null) throw damaged(where, 'does not describe the run\'s dataset');
  if (!Array.isArray(safety.anchors) || !Array.isArray(safety.probe)) throw damaged(where, 'has no safety anchor or probe list');
  if (!Number.isInteger(record.totalSteps) || record.totalSteps < 1) throw damaged(where, `says the run has ${String(record.totalSteps)} steps`);
  const fingerprint: unknown = model.fingerprint;
  if (fingerprint !== undefined && !(Array.isArray(fingerprint) && fingerprint.length === FINGERPRINT_SIZE && fingerprint.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    throw damaged(where, `holds a model fingerprint that is not ${FINGERPRINT_SIZE} finite numbers`);
  }
  for (const digest of [dataset.sha256, dataset.validationSha256] as unknown[]) {
    if (digest !== undefined && !(typeof digest === 'string' && /^[0-9a-f]{64}$/.test(digest))) throw damaged(where, 'holds a dataset SHA-256 that is not 64 hex digits');
  }
  const r = dataset.report as Partial<DatasetReport>;
  if (![r.rowsTotal, r.split?.train, r.split?.validation, r.trainedTokens].every((x) => typeof x === 'number')) throw damaged(where, 'holds a dataset report without its row and token counts');
  try {
    return { ...record, config: resolveRunConfig(record.config) };
  } catch (e) {
    throw damaged(where, `holds a configuration no run can have: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Whether a loaded model has the shape of the one a run trained (what a resume can check before the weights load). */
export function sameModelShape(a: ModelSummary, b: ModelSummary): boolean {
  return a.architecture === b.architecture && a.parameters === b.parameters && a.layers === b.layers && a.hiddenSize === b.hiddenSize && a.vocabSize === b.vocabSize;
}

/**
 * Throws unless `loaded` has the shape of the model the run trained, naming both — before the weights load in the
 * CLI, and in the worker whichever model the resume ends up with (the current one, or its source loaded again: a
 * bundled model an app update replaced would otherwise fail inside the checkpoint's adapter, which the user never saw).
 */
export function checkSameModel(loaded: ModelSummary, record: RunRecord): void {
  if (sameModelShape(loaded, record.model.summary)) return;
  const shape = (m: ModelSummary): string => `${m.architecture}, ${m.layers} layers × ${m.hiddenSize}, vocabulary ${m.vocabSize}, ${m.parameters} parameters`;
  throw new SafeTuneError(
    'bad-argument',
    `${loaded.description} is not the model run ${record.runId} trained (${shape(loaded)}; the run trained ${record.model.summary.description}: ${shape(record.model.summary)})`,
    'Load the same model to resume the run (in the CLI: --model DIR).',
  );
}

/**
 * The dataset copy stored with a run is the file it trained on, by the SHA-256 stored at its start (records from before
 * then have none): checked as soon as the bytes are read, before anything is loaded or shown for them.
 */
export async function checkDatasetDigest(record: RunRecord, bytes: Uint8Array, where: string, which: 'dataset' | 'validation' = 'dataset'): Promise<void> {
  const d = record.dataset;
  const [want, copy, original] = which === 'dataset' ? [d.sha256, 'dataset.bin', d.fileName] : [d.validationSha256, 'validation.bin', d.validationFile];
  if (want !== undefined && (await sha256Hex(bytes)) !== want) {
    throw new SafeTuneError('bad-argument', `${copy} in ${where}, the copy of ${original ?? 'the file'} run ${record.runId} trained on, has changed (its SHA-256 is not the one its record stored)`, RESUME_HINT);
  }
}

/**
 * The rows and tokens the stored dataset gives now must be those the run trained on: every record has them, so this
 * also catches a changed file in a record without a digest, and a tokenizer that cuts the rows differently.
 */
export function checkDatasetRows(record: RunRecord, report: DatasetReport, where: string): void {
  const was = record.dataset.report;
  const counts = (r: DatasetReport): string => `${r.rowsTotal} rows, ${r.split.train} train / ${r.split.validation} validation, ${r.trainedTokens} trained tokens`;
  if (counts(was) !== counts(report)) {
    throw new SafeTuneError('bad-argument', `the dataset of run ${record.runId} in ${where} now gives ${counts(report)}; the run trained on ${counts(was)}`, 'Resume with the model (and tokenizer) the run trained; a different tokenizer cuts the rows differently. ' + RESUME_HINT);
  }
}

/**
 * What the checkpoint holds must be what the record describes: the adapter's LoRA settings and the options the
 * trainer runs with come from the record, the adapter's matrices and the optimizer's moments from the checkpoint, and
 * a record edited after the save (rank 4 printed, rank 8 trained; "step 110/73") would describe another run.
 */
export function checkStateMatchesRecord(record: RunRecord, state: TrainState, variant: string, totalSteps: number, where: string): void {
  const lora = record.config.lora;
  const saved = state.lora;
  const differs: string[] = [];
  if (saved.r !== lora.r) differs.push(`LoRA rank ${saved.r} vs ${lora.r}`);
  if (saved.alpha !== lora.alpha) differs.push(`LoRA alpha ${saved.alpha} vs ${lora.alpha}`);
  if (Boolean(saved.useRslora) !== Boolean(lora.useRslora)) differs.push(`rsLoRA ${String(saved.useRslora)} vs ${String(lora.useRslora)}`);
  if ([...saved.targets].sort().join(',') !== [...lora.targets].sort().join(',')) differs.push(`targets ${saved.targets.join(',')} vs ${lora.targets.join(',')}`);
  const train = record.config.train;
  for (const k of ['lr', 'batchSize', 'gradAccum', 'maxLength', 'schedule', 'seed'] as const) {
    if (state.options[k] !== train[k]) differs.push(`${k} ${String(state.options[k])} vs ${String(train[k])}`);
  }
  if (state.totalSteps !== totalSteps || record.totalSteps !== totalSteps) differs.push(`${state.totalSteps} steps in the checkpoint, ${record.totalSteps} in the record, ${totalSteps} from its config and dataset`);
  if (differs.length > 0) {
    throw new SafeTuneError('bad-argument', `the ${variant} checkpoint in ${where} does not match the run's record (checkpoint vs record: ${differs.join('; ')})`, RESUME_HINT);
  }
}

function damaged(where: string, what: string): SafeTuneError {
  return new SafeTuneError('bad-argument', `the run record ${where} ${what}`, RESUME_HINT);
}
