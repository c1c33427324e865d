import { SafeTuneError } from '../errors';
import type { DatasetReport } from '../data/report';
import { shownFileName } from '../data/row-ref';
import type { RowFormat } from '../data/types';
import { DEFAULT_SPF_OPTIONS, type SafetyPair, type SpfOptions } from '../safety/spf-options';
import type { AccuracyPoint, EvalPoint, MetricPoint, ModelSummary, RunConfig, RunStatus, RunSummary, SampleGeneration, StoredModelSource } from './run-types';

export const RUN_RECORD_FORMAT = 'safetune-run-1';

/** One refusal check made during a run (chat playground's "refusal rate before / after"). */
export interface RefusalCheckRecord {
  which: 'base' | 'tuned';
  step: number; // the run's step when checked
  rate: number;
  total: number;
  at: string; // ISO time
}

/**
 * Everything about one run, as JSON: what it trained (model, dataset, every option), what it measured (every metric
 * and eval point, the token accuracy and sample answers at each evaluation, refusal checks) and where it stands (status, step, the step of its last checkpoint). Stored beside
 * the checkpoints after every checkpoint and status change; exported as the run record. A reloaded tab resumes from
 * it: the model source and the stored dataset bytes say what to load.
 */
export interface RunRecord {
  format: typeof RUN_RECORD_FORMAT;
  runId: string;
  startedAt: string;
  updatedAt: string;
  // fingerprint: the base model's logits on a fixed input when the run started (model-fingerprint.ts; older records lack it)
  model: { source: StoredModelSource; summary: ModelSummary; fingerprint?: number[] };
  // validationFile: the name of a separate validation file (its bytes: validation.bin in the run folder); sha256 /
  // validationSha256: of dataset.bin / validation.bin, stored since resumes check them
  dataset: { fileName: string; format?: RowFormat; maxLength: number; validation?: number; validationFile?: string; report: DatasetReport; sha256?: string; validationSha256?: string };
  config: RunConfig; // as resolved (defaults filled in); empty anchors / probe mean the bundled sets, listed in `safety`
  safety: { anchors: SafetyPair[]; probe: SafetyPair[]; probeBaseline?: number; decisionBaseline?: number }; // baselines: the untrained model's probe losses
  status: RunStatus;
  reason?: string;
  step: number;
  totalSteps: number;
  checkpointStep?: number;
  // accuracy and samples: measured of the main adapter at each evaluation, in step order (RunHost.onEvaluated)
  series: { metrics: MetricPoint[]; evals: EvalPoint[]; accuracy: AccuracyPoint[]; samples: SampleGeneration[] };
  refusalChecks: RefusalCheckRecord[];
}

/** The run's summary for the run list. `main` picks the variant whose numbers represent the run. */
export function summarizeRun(record: RunRecord, main: 'spf' | 'plain'): RunSummary {
  const lastPoint = findLast(record.series.metrics, (p) => p.variant === main);
  const lastEval = findLast(record.series.evals, (p) => p.variant === main);
  return {
    runId: record.runId,
    startedAt: record.startedAt,
    model: record.model.summary.description,
    dataset: shownFileName(record.dataset.fileName), // shown in the run list; the record keeps the whole name
    config: record.config,
    status: record.status,
    step: record.step,
    totalSteps: record.totalSteps,
    ...(lastPoint === undefined ? {} : { last: { loss: lastPoint.loss, ...(lastEval?.decisionDrift === undefined ? {} : { decisionDrift: lastEval.decisionDrift }) } }),
    ...(record.checkpointStep === undefined ? {} : { checkpointStep: record.checkpointStep }),
    ...(record.reason === undefined ? {} : { reason: record.reason }),
  };
}

/**
 * Whether a stored run can continue: it paused (by request, the guard, or a GPU failure) or was interrupted while
 * running (the tab closed), and a checkpoint exists to continue from.
 */
export function isResumable(record: RunRecord): boolean {
  return (record.status === 'paused' || record.status === 'running') && record.checkpointStep !== undefined && record.checkpointStep < record.totalSteps;
}

/** The series as of a checkpoint: points past it were trained by steps a resume will train again. */
export function seriesUpTo(series: RunRecord['series'], step: number): RunRecord['series'] {
  const upTo = <T extends { step: number }>(points: readonly T[]): T[] => points.filter((p) => p.step <= step);
  return { metrics: upTo(series.metrics), evals: upTo(series.evals), accuracy: upTo(series.accuracy), samples: upTo(series.samples) };
}

export function encodeRunRecord(record: RunRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record, null, 1) + '\n');
}

/** How a run trained before its record stored these SPF options: the whole refusal, one anchor per pass. */
const SPF_BEFORE_OPTIONS: Pick<SpfOptions, 'anchorTokens' | 'anchorsPerPass'> = { anchorTokens: 'all', anchorsPerPass: 1 };

/** Parses a stored run record; throws naming the run when it is damaged. */
export function decodeRunRecord(bytes: Uint8Array, where: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new SafeTuneError('bad-argument', `the run record ${where} is not valid JSON: ${(e as Error).message}`, 'The run was interrupted while saving its record; start a new run.');
  }
  const r = value as Partial<RunRecord> | null;
  if (r?.format !== RUN_RECORD_FORMAT || typeof r.runId !== 'string' || typeof r.step !== 'number' || typeof r.series !== 'object' || r.series === null) {
    throw new SafeTuneError('bad-argument', `${where} is not a SafeTune run record (format ${String(r?.format)})`);
  }
  // Records written before the accuracy and sample series were stored have none.
  const series = r.series as Partial<RunRecord['series']>;
  const full = { metrics: series.metrics ?? [], evals: series.evals ?? [], accuracy: series.accuracy ?? [], samples: series.samples ?? [] };
  // SPF options added after a record was written read as the values every run trained with before they existed (not
  // today's defaults, which may differ: anchorTokens was 2 for a while), so a resumed run goes on as it started.
  const config = r.config && { ...r.config, spf: { ...DEFAULT_SPF_OPTIONS, ...SPF_BEFORE_OPTIONS, ...r.config.spf } };
  return { ...(r as RunRecord), ...(config && { config }), series: full, refusalChecks: r.refusalChecks ?? [] };
}

function findLast<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}
