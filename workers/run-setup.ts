import type { LoadedDataset } from '../engine/data/load-dataset';
import { tokenizeSafetyPairs } from '../engine/safety/anchors';
import type { DatasetRequest } from './dataset-session';
import type { ModelSession } from './model-session';
import type { RunConfig, SafetyPair } from './protocol';
import { RUN_RECORD_FORMAT, type RunRecord } from './run-record';
import type { BundledSafetySets } from './safety-sets';
import type { RunData } from './training-run';

/** The anchors (SPF on only) and probe pairs a run uses: the configured ones, or the bundled sets when left empty. */
export async function resolveSafetyPairs(config: RunConfig, bundled: BundledSafetySets): Promise<{ anchors: SafetyPair[]; probe: SafetyPair[] }> {
  const anchors = !config.spf.enabled ? [] : config.spf.anchors.length > 0 ? config.spf.anchors : await bundled.anchors();
  const probe = config.probe.length > 0 ? config.probe : await bundled.probe();
  return { anchors, probe };
}

/** Anchors and probe pairs tokenized like training rows, with the run's max length. */
export function runData(session: ModelSession, dataset: LoadedDataset, safety: { anchors: SafetyPair[]; probe: SafetyPair[] }, maxLength: number): RunData {
  return {
    train: dataset.train,
    validation: dataset.validation,
    anchors: tokenizeSafetyPairs(safety.anchors, session.tokenizer, maxLength, 'SPF anchors'),
    probe: tokenizeSafetyPairs(safety.probe, session.tokenizer, maxLength, 'safety probe set'),
  };
}

/** "run-20250101-120000-k3x9": sortable by start time, unique enough for one browser profile. */
export function newRunId(now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix = Math.floor(random() * 36 ** 4).toString(36).padStart(4, '0');
  return `run-${stamp}-${suffix}`;
}

export function newRunRecord(args: {
  runId: string;
  now: Date;
  session: ModelSession;
  dataset: DatasetRequest;
  loaded: LoadedDataset;
  config: RunConfig;
  safety: { anchors: SafetyPair[]; probe: SafetyPair[] };
}): RunRecord {
  const { runId, now, session, dataset, loaded, config, safety } = args;
  return {
    format: RUN_RECORD_FORMAT,
    runId,
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    model: { source: session.stored, summary: session.summary },
    dataset: {
      fileName: dataset.fileName,
      maxLength: config.train.maxLength,
      ...(dataset.format === undefined ? {} : { format: dataset.format }),
      ...(dataset.validation === undefined ? {} : { validation: dataset.validation }),
      report: loaded.report,
    },
    config,
    safety: { anchors: safety.anchors, probe: safety.probe },
    status: 'idle',
    step: 0,
    totalSteps: 0,
    series: { metrics: [], evals: [] },
    refusalChecks: [],
  };
}
