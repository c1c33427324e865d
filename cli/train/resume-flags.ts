import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import type { RunFolder } from '../../engine/run/run-folder';
import type { RunRecord } from '../../engine/run/run-record';
import type { RunConfig } from '../../engine/run/run-types';
import { batchShapeForModel } from '../../engine/run/size-defaults';
import { readSafetyPairs } from '../../node-host/bundled-safety';
import { runConfigFromFlags } from '../commands/train-options';

type Values = Record<string, string | boolean | undefined>;

/** What `train --resume` reads besides the run folder: where the model is and what computes. */
const RESUME_FLAGS = new Set(['out', 'resume', 'model', 'backend']);

/** Each flag that configures a new run, with the part of the run's configuration it sets. */
const CONFIG_FLAGS: Record<string, (c: RunConfig) => unknown> = {
  'lora-r': (c) => c.lora.r,
  'lora-alpha': (c) => c.lora.alpha,
  'lora-dropout': (c) => c.lora.dropout,
  targets: (c) => [...c.lora.targets].sort().join(','),
  rslora: (c) => c.lora.useRslora,
  lr: (c) => c.train.lr,
  schedule: (c) => c.train.schedule,
  warmup: (c) => c.train.warmupSteps,
  'weight-decay': (c) => c.train.weightDecay,
  'max-grad-norm': (c) => c.train.maxGradNorm,
  epochs: (c) => c.train.epochs,
  'max-steps': (c) => c.train.maxSteps,
  batch: (c) => c.train.batchSize,
  'grad-accum': (c) => c.train.gradAccum,
  'max-length': (c) => c.train.maxLength,
  pack: (c) => c.train.pack,
  seed: (c) => c.train.seed,
  'eval-every': (c) => c.evalEvery,
  'checkpoint-every': (c) => c.train.checkpointEvery,
  'guard-drift': (c) => (c.guard.enabled ? c.guard.driftThreshold : 'off'),
  spf: (c) => c.spf.enabled,
  'spf-k': (c) => c.spf.k,
  'spf-gate': (c) => c.spf.gate,
  'spf-project': (c) => c.spf.project,
  'spf-iters': (c) => `${c.spf.iters.warm},${c.spf.iters.cold}`,
  'spf-refresh': (c) => c.spf.refreshEvery,
  'spf-anchor-tokens': (c) => c.spf.anchorTokens,
  'spf-anchors-per-pass': (c) => c.spf.anchorsPerPass,
  'spf-anchors': (c) => JSON.stringify(c.spf.anchors),
  probe: (c) => JSON.stringify(c.probe),
};

/**
 * A resumed run continues exactly as recorded (its config is in run.json, its data order in the checkpoint). The
 * command that started it may be given again with --resume — as a Hugging Face trainer is re-run to resume — so each
 * flag is checked against the record: the same value is accepted, and a value that would change the run
 * (`--max-steps 3` on a 60-step run, another --data file) is an error naming the flag and both values, never ignored.
 */
export async function checkResumeFlags(v: Values, record: RunRecord, copies: StoredDataCopies): Promise<void> {
  const given = Object.keys(v).filter((k) => v[k] !== undefined && !RESUME_FLAGS.has(k));
  if (given.length === 0) return;
  const differs: string[] = [];
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const configFlags = given.filter((k) => k in CONFIG_FLAGS);
  if (configFlags.length > 0) {
    const anchorsPath = str('spf-anchors');
    const probePath = str('probe');
    const asNew = runConfigFromFlags(v, batchShapeForModel(record.model.summary.parameters), {
      anchors: anchorsPath === undefined ? undefined : await readSafetyPairs(resolve(anchorsPath), 'anchor'),
      probe: probePath === undefined ? undefined : await readSafetyPairs(resolve(probePath), 'probe'),
    });
    for (const flag of configFlags) {
      const [now, then] = [CONFIG_FLAGS[flag]!(asNew), CONFIG_FLAGS[flag]!(record.config)];
      if (now !== then) differs.push(flag === 'spf-anchors' || flag === 'probe' ? `--${flag} ${String(v[flag])} holds other pairs than the run's` : `--${flag} ${String(v[flag])} (the run: ${String(then)})`);
    }
  }
  for (const flag of given.filter((k) => !(k in CONFIG_FLAGS))) {
    const problem = await datasetFlagDiffers(flag, str(flag), record, copies);
    if (problem !== undefined) differs.push(problem);
  }
  if (differs.length > 0) {
    throw new SafeTuneError('bad-argument', `train --resume continues the run as recorded; these flags would change it: ${differs.join('; ')}`, 'Drop them (only --model and --backend apply to a resume, and the flags that started the run may be repeated), or start a new run with another --out folder.');
  }
}

/** The run folder's copies of its data files (dataset.bin, validation.bin), each read at most once. */
export interface StoredDataCopies {
  dataset(): Promise<Uint8Array | undefined>;
  validation(): Promise<Uint8Array | undefined>;
}

/**
 * A resume compares --data / --val FILE with the copies and then trains on them: dataset.bin (up to 256 MB) was read
 * twice. The first read is kept for the second; a copy no flag asked about is read when the resume needs it.
 */
export function storedDataCopies(folder: RunFolder): StoredDataCopies {
  let dataset: Promise<Uint8Array | undefined> | undefined;
  let validation: Promise<Uint8Array | undefined> | undefined;
  return {
    dataset: () => (dataset ??= folder.readDataset()),
    validation: () => (validation ??= folder.readValidationFile()),
  };
}

/** --data / --val FILE against the copies the run stored, --val FRACTION and --format against its record. */
async function datasetFlagDiffers(flag: string, value: string | undefined, record: RunRecord, copies: StoredDataCopies): Promise<string | undefined> {
  const d = record.dataset;
  if (flag === 'format') return value === d.format ? undefined : `--format ${String(value)} (the run: ${d.format ?? 'detected'})`;
  if (flag === 'data') return (await sameBytes(value, copies.dataset)) ? undefined : `--data ${String(value)} is not the file the run trained on`;
  if (flag === 'val') {
    const fraction = Number(value);
    if (value !== undefined && Number.isFinite(fraction)) return fraction === d.validation ? undefined : `--val ${value} (the run: ${d.validation ?? d.validationFile ?? 'none'})`;
    return d.validationFile !== undefined && (await sameBytes(value, copies.validation)) ? undefined : `--val ${String(value)} is not the run's validation file`;
  }
  return `--${flag} is not a train flag`;
}

async function sameBytes(path: string | undefined, stored: () => Promise<Uint8Array | undefined>): Promise<boolean> {
  if (path === undefined) return false;
  const [a, b] = [await readFile(resolve(path)).catch(() => undefined), await stored()];
  return a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
