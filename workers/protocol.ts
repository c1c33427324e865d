/**
 * The one typed contract between the page and the training worker. Commands go in (`WorkerCommand`), events come out
 * (`WorkerEvent`); everything is structured-clone data. Long commands carry a `requestId`, are abortable with
 * `{ type: 'abort', requestId }`, and end with exactly one `done` or `error` event for that id.
 *
 * Only plain types here: the page compiles this file under the DOM config and must never pull tfjs in. Engine option
 * shapes are imported as types from engine modules that themselves import no tfjs.
 */
import type { DatasetReport } from '../engine/data/report';
import type { RowFormat } from '../engine/data/types';
import type { LoraConfig } from '../engine/model/lora-config';
import type { TrainOptions } from '../engine/train/options';
import type { SafetyPair, SpfOptions } from '../engine/safety/spf-options';
import type { AccuracyPoint, BackendChoice, EvalPoint, MetricPoint, ModelSummary, RunConfig, RunStatus, RunSummary, SampleGeneration } from '../engine/run/run-types';
import type { RunEvent } from '../engine/run/run-events';
import type { BatchShape } from '../engine/run/size-defaults';
import type { PresetChoice, PresetId, PresetPatch } from '../engine/run/presets';

export type { DatasetReport, RowFormat, LoraConfig, TrainOptions, SafetyPair, SpfOptions };
export type { PresetChoice, PresetId, PresetPatch, SampleGeneration };
export type { AccuracyPoint, BatchShape, BackendChoice, EvalPoint, MetricPoint, ModelSummary, RunConfig, RunStatus, RunSummary };

/** Where a model comes from. */
export type ModelSource =
  | { kind: 'bundled'; name: string } // public/models/<name>/
  | { kind: 'hub'; repoId: string; revision?: string; token?: string } // downloaded, cached in the browser
  | { kind: 'files'; files: File[] }; // a dropped / picked local folder

/** A dataset file as the page hands it over (its bytes are transferred, not copied). */
export type DatasetSource = { kind: 'bytes'; fileName: string; bytes: ArrayBuffer } | { kind: 'bundled'; fileName: string };

/** What the engine uses when the page leaves a field at its default (sent in `ready`, for the configuration form). */
export interface EngineDefaults {
  run: RunConfig; // every default in one place; spf.anchors / probe are empty = the bundled sets below
  anchors: SafetyPair[]; // the bundled default SPF anchor (public/datasets/safety-anchor.jsonl); empty when unavailable
  wideAnchors: SafetyPair[]; // the bundled 32 anchors (public/datasets/safety-anchor-32.jsonl); empty when unavailable
  probe: SafetyPair[]; // the bundled safety probe set (public/datasets/safety-probe.jsonl); empty when unavailable
  refusalMaxNewTokens: number; // tokens generated per prompt by refusalCheck
}

/** Stored model formats for export 'merged' ('same-as-base': each tensor in the dtype the base stores it in). */
export type MergedDType = 'F32' | 'BF16' | 'F16' | 'same-as-base';

export type WorkerCommand =
  // assetBase: URL of the site's public/ folder (default: the worker's origin + "/"); bundled models and datasets live under it.
  // It must be on the worker's origin (a path such as "/safetune/" is resolved there); another origin is bad-argument
  | { type: 'init'; requestId: string; backend: BackendChoice; assetBase?: string }
  // the current dataset, if any, is read again with the new tokenizer (datasetLoaded for this request)
  | { type: 'loadModel'; requestId: string; source: ModelSource }
  | { type: 'loadDataset'; requestId: string; source: DatasetSource; format?: RowFormat; maxLength: number; validation?: number }
  // validation: the share of rows to hold out (default: as the dataset was loaded); the worker re-reads the dataset when
  // it or config.train.maxLength differs from its last reading, and then sends datasetLoaded for this request
  | { type: 'startRun'; requestId: string; config: RunConfig; validation?: number }
  | { type: 'resumeRun'; requestId: string; runId: string }
  | { type: 'pause' }
  | { type: 'stop' }
  // save a checkpoint after the step in flight and train on (the page is being hidden or closed)
  | { type: 'checkpoint' }
  // which 'plain': the run's plain-LoRA comparison adapter (a run with compareWithPlain)
  | { type: 'generate'; requestId: string; prompt: string; which: ChatSide; maxNewTokens: number; temperature: number }
  // prompts: harmful requests to answer (default: the bundled public/datasets/harmful-eval.jsonl, else the probe requests)
  | { type: 'refusalCheck'; requestId: string; which: 'base' | 'tuned'; prompts?: string[] }
  // runId: export from a stored run (its last checkpoint) instead of the current one; dtype: for 'merged' (default same-as-base)
  | { type: 'export'; requestId: string; what: 'adapter' | 'merged' | 'record'; runId?: string; dtype?: MergedDType }
  | { type: 'listRuns'; requestId: string }
  // a stored run's metric series, for drawing it beside the current run (answers runSeries)
  | { type: 'runSeries'; requestId: string; runId: string }
  | { type: 'abort'; requestId: string };

/** The models a chat reply can come from: no adapter, the run's main adapter, or its plain-LoRA comparison. */
export type ChatSide = 'base' | 'tuned' | 'plain';

/** A long job's count so far: rows tokenized of a dataset, prompts judged by a refusal check. */
export type ProgressTask = 'tokenize' | 'refusal';

export type WorkerEvent =
  // fallback: why the backend asked for could not be used (then `backend` is 'cpu'); defaults: see EngineDefaults
  | { type: 'ready'; requestId: string; backend: BackendChoice; adapter: string; fallback?: string; defaults?: EngineDefaults }
  | { type: 'downloadProgress'; requestId: string; file: string; loadedBytes: number; totalBytes: number }
  // batchShape: the batch size, accumulation and max length suited to this model's size (engine/run/size-defaults.ts)
  // presets: the run presets with the fields each sets for this model's size (engine/run/presets.ts)
  | { type: 'modelLoaded'; requestId: string; summary: ModelSummary; batchShape: BatchShape; presets?: PresetChoice[] }
  | { type: 'datasetLoaded'; requestId: string; report: DatasetReport; preview: PreviewRow[] }
  | { type: 'runStarted'; requestId: string; run: RunSummary }
  // metrics (batched), runStatus, log, and after each evaluation of the main adapter (step 0: before training) its
  // tokenAccuracy on the validation rows (none without validation) and its samples (answers to a few fixed prompts of
  // the dataset): what a TrainingRun reports (engine/run/run-events.ts)
  | RunEvent
  | { type: 'token'; requestId: string; which: ChatSide; text: string } // streamed generation
  // how far a long request has got (sent at most every ~100 items and at the end)
  | { type: 'progress'; requestId: string; task: ProgressTask; done: number; total: number }
  | { type: 'runSeries'; requestId: string; runId: string; metrics: MetricPoint[]; evals: EvalPoint[] }
  // samples: each prompt's answer and verdict (for a look at what the model said)
  | { type: 'refusalResult'; requestId: string; which: 'base' | 'tuned'; rate: number; total: number; samples?: { prompt: string; response: string; refused: boolean }[] }
  | { type: 'file'; requestId: string; fileName: string; mime: string; bytes: ArrayBuffer } // a download for the user
  | { type: 'runs'; requestId: string; runs: RunSummary[]; resumable?: string }
  | { type: 'done'; requestId: string }
  | { type: 'error'; requestId?: string; code: string; message: string; hint?: string };

/** A rendered training example for the dataset preview: text spans, each marked trained or not. */
export interface PreviewRow {
  source: string; // "train.jsonl line 3"
  spans: { text: string; trained: boolean }[];
}
