import { SafeTuneError } from '../errors';
import type { DatasetReport } from '../data/report';
import type { TrainState } from '../train/train-state';
import { sha256Hex } from '../weights/hub-policy';
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
 * The dataset copy stored with a run is the file it trained on: its SHA-256 (stored since records carry one) and,
 * for every record, the rows and tokens it gave — a different file with the same name would silently train on other
 * rows in another order.
 */
export async function checkStoredDataset(record: RunRecord, bytes: Uint8Array, report: DatasetReport, where: string): Promise<void> {
  const stored = record.dataset;
  if (stored.sha256 !== undefined && (await sha256Hex(bytes)) !== stored.sha256) {
    throw new SafeTuneError('bad-argument', `the dataset copy of run ${record.runId} in ${where} is not the file the run trained on (its SHA-256 differs from the record's)`, RESUME_HINT);
  }
  const was = stored.report;
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
