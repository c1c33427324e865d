import type { LoadedDataset } from '../data/load-dataset';
import type { RowFormat } from '../data/types';
import { tokenizeSafetyPairs } from '../safety/anchors';
import type { SafetyPair } from '../safety/spf-options';
import type { TextTokenizer } from '../tokenizer/types';
import { RUN_RECORD_FORMAT, type RunRecord } from './run-record';
import type { RunData } from './run-host';
import type { ModelSummary, RunConfig, StoredModelSource } from './run-types';

/** The safety sets shipped with SafeTune (public/datasets/): read by the worker over HTTP, by the CLI from disk. */
export interface BundledSafetyPairs {
  anchors(): Promise<SafetyPair[]>;
  probe(): Promise<SafetyPair[]>;
}

/** The anchors (SPF on only) and probe pairs a run uses: the configured ones, or the bundled sets when left empty. */
export async function resolveSafetyPairs(config: RunConfig, bundled: BundledSafetyPairs): Promise<{ anchors: SafetyPair[]; probe: SafetyPair[] }> {
  const anchors = !config.spf.enabled ? [] : config.spf.anchors.length > 0 ? config.spf.anchors : await bundled.anchors();
  const probe = config.probe.length > 0 ? config.probe : await bundled.probe();
  return { anchors, probe };
}

/** The dataset's rows plus the anchors and probe pairs tokenized like training rows, with the run's max length. */
export function runData(tokenizer: TextTokenizer, dataset: LoadedDataset, safety: { anchors: SafetyPair[]; probe: SafetyPair[] }, maxLength: number): RunData {
  return {
    train: dataset.train,
    validation: dataset.validation,
    anchors: tokenizeSafetyPairs(safety.anchors, tokenizer, maxLength, 'SPF anchors'),
    probe: tokenizeSafetyPairs(safety.probe, tokenizer, maxLength, 'safety probe set'),
  };
}

/** "run-20250101-120000-k3x9": sortable by start time, unique enough for one browser profile or one machine. */
export function newRunId(now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix = Math.floor(random() * 36 ** 4).toString(36).padStart(4, '0');
  return `run-${stamp}-${suffix}`;
}

/** What the dataset file was and how it was asked to be read. */
export interface DatasetDescription {
  fileName: string;
  format?: RowFormat;
  validation?: number; // the share of rows held out
  validationFile?: string; // or a separate validation file's name
}

export function newRunRecord(args: {
  runId: string;
  now: Date;
  model: { source: StoredModelSource; summary: ModelSummary };
  dataset: DatasetDescription;
  loaded: LoadedDataset;
  config: RunConfig;
  safety: { anchors: SafetyPair[]; probe: SafetyPair[] };
}): RunRecord {
  const { runId, now, model, dataset, loaded, config, safety } = args;
  return {
    format: RUN_RECORD_FORMAT,
    runId,
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    model,
    dataset: {
      fileName: dataset.fileName,
      maxLength: config.train.maxLength,
      ...(dataset.format === undefined ? {} : { format: dataset.format }),
      ...(dataset.validation === undefined ? {} : { validation: dataset.validation }),
      ...(dataset.validationFile === undefined ? {} : { validationFile: dataset.validationFile }),
      report: loaded.report,
    },
    config,
    safety: { anchors: safety.anchors, probe: safety.probe },
    status: 'idle',
    step: 0,
    totalSteps: 0,
    series: { metrics: [], evals: [], accuracy: [], samples: [] },
    refusalChecks: [],
  };
}
