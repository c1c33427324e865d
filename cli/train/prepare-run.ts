import { basename, resolve } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { describeRow } from '../../engine/data/row-ref';
import { loadDataset, type LoadedDataset } from '../../engine/data/load-dataset';
import { isRowFormat } from '../../engine/data/parsing/row-formats';
import type { RowFormat } from '../../engine/data/types';
import { loadCausalLM, readModelConfig } from '../../engine/model/load';
import type { CausalLM } from '../../engine/model/causal-lm';
import { checkLoraFits } from '../../engine/run/lora-fit';
import { summarizeModel } from '../../engine/run/model-summary';
import type { RunFolder } from '../../engine/run/run-folder';
import { isResumable, type RunRecord } from '../../engine/run/run-record';
import { checkDatasetDigest, checkDatasetRows, checkRecordForResume, checkSameModel } from '../../engine/run/resume-checks';
import { newRunId, newRunRecord, resolveSafetyPairs, runData } from '../../engine/run/run-setup';
import type { BackendChoice } from '../../engine/run/run-types';
import { batchShapeForModel } from '../../engine/run/size-defaults';
import type { RunData } from '../../engine/run/run-host';
import { loadTokenizerFor } from '../../engine/tokenizer/model-vocabulary';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { BUNDLED_SAFETY_ON_DISK, readSafetyPairs } from '../../node-host/bundled-safety';
import { modelFolder } from '../load';
import { requireString } from '../../node-host/args';
import { readDataFile } from '../commands/data-report';
import { runConfigFromFlags } from '../commands/train-options';
import { checkResumeFlags, storedDataCopies } from './resume-flags';
import { sha256Hex } from '../../engine/weights/hub-policy';
import { wasmHeapWarning } from './wasm-heap-check';

type Values = Record<string, string | boolean | undefined>;

/** A run ready to train: its record, its tokenized data, the base model (no adapter yet: the run makes its own). */
export interface PreparedRun {
  record: RunRecord;
  data: RunData;
  model: CausalLM;
  tokenizer: TextTokenizer;
  modelDir: string;
  /** The dataset file's bytes for a new run (stored in the run folder); undefined on resume. */
  datasetBytes?: Uint8Array;
}

/** A new run from `train` flags: the model's size picks the batch shape the flags leave open, as in the app. */
export async function prepareNewRun(folder: RunFolder, v: Values, backend: BackendChoice, log: (line: string) => void): Promise<PreparedRun> {
  if ((await folder.readRecord().catch(() => undefined)) !== undefined) {
    throw new SafeTuneError('bad-argument', `train: ${folder.description} already holds a run`, 'Continue it with --resume, or pass another --out folder.');
  }
  const modelDir = resolve(requireString('train', v, 'model'));
  const files = await modelFolder(modelDir);
  const modelConfig = await readModelConfig(files);
  const tokenizer = await loadTokenizerFor(files, modelConfig);
  const summary = summarizeModel(modelConfig, files.description, tokenizer.hasChatTemplate, backend);
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const anchorsPath = str('spf-anchors');
  const probePath = str('probe');
  const config = runConfigFromFlags(v, batchShapeForModel(summary.parameters), {
    anchors: anchorsPath === undefined ? undefined : await readSafetyPairs(resolve(anchorsPath), 'anchor'),
    probe: probePath === undefined ? undefined : await readSafetyPairs(resolve(probePath), 'probe'),
  });
  checkLoraFits(modelConfig, config.lora); // before the weights load: a rank too wide fails at once

  const dataPath = resolve(requireString('train', v, 'data'));
  const datasetBytes = await readDataFile(dataPath);
  const format = str('format');
  if (format !== undefined && !isRowFormat(format)) throw new SafeTuneError('bad-argument', `train: unknown --format "${format}"`);
  const val = str('val');
  const validation = val === undefined ? undefined : Number.isFinite(Number(val)) ? Number(val) : undefined;
  const validationFile = val !== undefined && validation === undefined ? { bytes: await readDataFile(resolve(val)), fileName: basename(val) } : undefined;
  if (validationFile !== undefined) await folder.writeValidationFile(validationFile.bytes);
  const dataset = { fileName: basename(dataPath), ...(format === undefined ? {} : { format: format as RowFormat }), ...(validation === undefined ? {} : { validation }), ...(validationFile === undefined ? {} : { validationFile: validationFile.fileName }) };
  const loaded = await loadRunDataset(datasetBytes, dataset, validationFile?.bytes, tokenizer, config.train.maxLength, log);

  const safety = await resolveSafetyPairs(config, BUNDLED_SAFETY_ON_DISK);
  const now = new Date();
  const record = newRunRecord({ runId: newRunId(now), now, model: { source: { kind: 'folder', path: modelDir }, summary }, dataset, loaded, config, safety });
  if (validationFile !== undefined) record.dataset.validationSha256 = await sha256Hex(validationFile.bytes); // a resume checks validation.bin by it
  const heapWarning = wasmHeapWarning(await files.text('config.json'), config, safety.anchors);
  if (heapWarning !== undefined) log(`warning: ${heapWarning}`);
  const model = await loadCausalLM(files);
  return { record, data: runData(tokenizer, loaded, safety, config.train.maxLength), model, tokenizer, modelDir, datasetBytes };
}

/**
 * A stored run — started by the CLI, or exported from the app — from its folder: its record, the dataset bytes kept
 * beside it, and the model (the folder the record names, or --model for a run whose model came from the hub or the
 * page).
 */
export async function prepareResume(folder: RunFolder, v: Values, log: (line: string) => void): Promise<PreparedRun> {
  const stored = await folder.readRecord();
  if (stored === undefined) throw new SafeTuneError('missing-file', `train --resume: no run in ${folder.description} (no run.json)`, 'Start the run without --resume first.');
  const record = checkRecordForResume(stored, `run.json in ${folder.description}`);
  const copies = storedDataCopies(folder); // read once for the flag check and the resume
  await checkResumeFlags(v, record, copies);
  if (!isResumable(record)) {
    throw new SafeTuneError('bad-argument', `train --resume: run ${record.runId} in ${folder.description} is ${record.status} at step ${record.step}${record.checkpointStep === undefined ? ' with no checkpoint' : ''}; there is nothing to continue`, 'Start a new run with another --out folder.');
  }
  const given = typeof v['model'] === 'string' ? resolve(v['model']) : undefined;
  const source = record.model.source;
  const modelDir = given ?? (source.kind === 'folder' ? source.path : undefined);
  if (modelDir === undefined) {
    throw new SafeTuneError('bad-argument', `train --resume: run ${record.runId} trained ${record.model.summary.description}`, 'Pass --model DIR with that model downloaded (config.json, tokenizer and safetensors).');
  }
  const files = await modelFolder(modelDir);
  const modelConfig = await readModelConfig(files);
  const tokenizer = await loadTokenizerFor(files, modelConfig);
  const summary = summarizeModel(modelConfig, files.description, tokenizer.hasChatTemplate, record.model.summary.backend);
  checkSameModel(summary, record);
  const bytes = await copies.dataset();
  if (bytes === undefined) throw new SafeTuneError('missing-file', `train --resume: the dataset copy (dataset.bin) is missing from ${folder.description}`, 'The run cannot be resumed; start a new one.');
  await checkDatasetDigest(record, bytes, folder.description);
  const validationBytes = record.dataset.validationFile === undefined ? undefined : await copies.validation();
  if (record.dataset.validationFile !== undefined && validationBytes === undefined) {
    throw new SafeTuneError('missing-file', `train --resume: the validation file copy (validation.bin) is missing from ${folder.description}`, 'The run cannot be resumed; start a new one.');
  }
  if (validationBytes !== undefined) await checkDatasetDigest(record, validationBytes, folder.description, 'validation');
  const loaded = await loadRunDataset(bytes, record.dataset, validationBytes, tokenizer, record.config.train.maxLength, log);
  checkDatasetRows(record, loaded.report, folder.description);
  const model = await loadCausalLM(files);
  return { record, data: runData(tokenizer, loaded, record.safety, record.config.train.maxLength), model, tokenizer, modelDir };
}

/**
 * The dataset read exactly as the worker reads it (same options, so a run resumed in the other host trains on the
 * same rows in the same order), with its summary and every rejected row printed.
 */
async function loadRunDataset(bytes: Uint8Array, d: { fileName: string; format?: RowFormat; validation?: number; validationFile?: string }, validationBytes: Uint8Array | undefined, tokenizer: TextTokenizer, maxLength: number, log: (line: string) => void): Promise<LoadedDataset> {
  const loaded = await loadDataset(bytes, d.fileName, tokenizer, {
    maxLength,
    ...(d.format === undefined ? {} : { format: d.format }),
    ...(d.validation === undefined ? {} : { validation: d.validation }),
    ...(validationBytes === undefined || d.validationFile === undefined ? {} : { validation: { bytes: validationBytes, fileName: d.validationFile } }),
  });
  const r = loaded.report;
  log(`data: ${r.split.train} train / ${r.split.validation} validation rows (${r.format}), ${r.rejectedTotal} rejected, ${r.truncated} truncated, ${r.trainedTokens} trained tokens per epoch`);
  if (r.rejectedTotal > 0) {
    log(`rejected rows${r.rejected.length < r.rejectedTotal ? ` (first ${r.rejected.length} of ${r.rejectedTotal})` : ''}:`);
    for (const row of r.rejected) log(`  ${describeRow(row.source)}: ${row.reason}`);
  }
  return loaded;
}

