import { SafeTuneError } from '../engine/errors';
import type { WorkerCommand } from './protocol';

type Field = 'string' | 'number' | 'object' | 'string[]';

/**
 * The fields each command must carry, by type (optional ones: checked when present). The page sends well-formed
 * commands, but a worker must answer a malformed one as the page's mistake (bad-argument, naming the field) rather
 * than fail deep inside a command with a TypeError reported as a bug in SafeTune — a red team's `loadModel` without a
 * source, `loadDataset` with a numeric file name and `refusalCheck` with a string for its prompts did.
 */
const REQUIRED: Partial<Record<WorkerCommand['type'], Record<string, Field>>> = {
  init: { backend: 'string' },
  loadModel: { source: 'object' },
  loadDataset: { source: 'object', maxLength: 'number' },
  startRun: { config: 'object' },
  resumeRun: { runId: 'string' },
  generate: { prompt: 'string', which: 'string', maxNewTokens: 'number', temperature: 'number' },
  refusalCheck: { which: 'string' },
  export: { what: 'string' },
  runSeries: { runId: 'string' },
};

const OPTIONAL: Partial<Record<WorkerCommand['type'], Record<string, Field>>> = {
  init: { assetBase: 'string' },
  loadDataset: { format: 'string', validation: 'number' },
  startRun: { validation: 'number' },
  refusalCheck: { prompts: 'string[]' },
  export: { runId: 'string', dtype: 'string' },
};

/**
 * Text fields that name one of a fixed set of choices, checked before the command's work: `export` with an unknown
 * `what` first looked for the run to export and was answered "there is no run to export", not with the mistake.
 */
const ONE_OF: Partial<Record<WorkerCommand['type'], Record<string, readonly string[]>>> = {
  export: { what: ['adapter', 'merged', 'record'] satisfies Extract<WorkerCommand, { type: 'export' }>['what'][] },
};

/** Where a field of a dataset or model source must be text (the names the worker reads from them). */
const SOURCE_TEXT = ['kind', 'name', 'fileName', 'repoId', 'revision', 'token'] as const;

/** Throws SafeTuneError('bad-argument') naming the first field of `cmd` that is missing or of the wrong type. */
export function checkCommandShape(cmd: WorkerCommand): void {
  const fields = cmd as unknown as Record<string, unknown>;
  for (const [name, want] of Object.entries(REQUIRED[cmd.type] ?? {})) {
    if (!hasShape(fields[name], want)) throw wrongField(cmd.type, name, want, fields[name]);
  }
  for (const [name, want] of Object.entries(OPTIONAL[cmd.type] ?? {})) {
    if (fields[name] !== undefined && !hasShape(fields[name], want)) throw wrongField(cmd.type, name, want, fields[name]);
  }
  for (const [name, allowed] of Object.entries(ONE_OF[cmd.type] ?? {})) {
    const value = fields[name];
    if (value !== undefined && !allowed.includes(value as string)) {
      throw new SafeTuneError('bad-argument', `${cmd.type}: "${name}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(value).slice(0, 40)}`, `Use ${allowed.join(', ')}.`);
    }
  }
  const source = fields['source'];
  if (source !== undefined && typeof source === 'object' && source !== null) {
    const parts = source as Record<string, unknown>;
    if (typeof parts['kind'] !== 'string') throw wrongField(cmd.type, 'source.kind', 'string', parts['kind']);
    for (const name of SOURCE_TEXT) {
      if (parts[name] !== undefined && typeof parts[name] !== 'string') throw wrongField(cmd.type, `source.${name}`, 'string', parts[name]);
    }
  }
}

function hasShape(value: unknown, want: Field): boolean {
  if (want === 'string[]') return Array.isArray(value) && value.every((x) => typeof x === 'string');
  if (want === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (want === 'number') return typeof value === 'number';
  return typeof value === 'string';
}

function wrongField(type: string, name: string, want: Field, got: unknown): SafeTuneError {
  const gotType = got === null ? 'null' : Array.isArray(got) ? 'a list' : got === undefined ? 'nothing' : `a ${typeof got}`;
  const wanted = want === 'string[]' ? 'a list of strings' : want === 'object' ? 'an object' : `a ${want}`;
  return new SafeTuneError('bad-argument', `${type}: "${name}" must be ${wanted}, got ${gotType}`, 'The page and the worker disagree on the message format: reload the page.');
}
