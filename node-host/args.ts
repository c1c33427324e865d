import { parseArgs } from 'node:util';
import { SafeTuneError } from '../engine/errors';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Parses `argv` against `spec`; unknown flags and stray positionals are errors that name them. */
export function parseCommandArgs(command: string, argv: string[], spec: OptionSpec): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new SafeTuneError('bad-argument', `${command}: unexpected argument "${positionals[0]}"`);
    return values as Record<string, string | boolean | undefined>;
  } catch (e) {
    if (e instanceof SafeTuneError) throw e;
    throw new SafeTuneError('bad-argument', `${command}: ${(e as Error).message}`, `run "npm run cli -- help" for the options`);
  }
}

export function requireString(command: string, values: Record<string, unknown>, key: string): string {
  const v = values[key];
  if (typeof v !== 'string' || v === '') throw new SafeTuneError('bad-argument', `${command}: --${key} is required`);
  return v;
}

export function optionalNumber(command: string, values: Record<string, unknown>, key: string, integer = false): number | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new SafeTuneError('bad-argument', `${command}: --${key} must be ${integer ? 'an integer' : 'a number'}, got "${String(v)}"`);
  }
  return n;
}

export function oneOf<T extends string>(command: string, values: Record<string, unknown>, key: string, allowed: readonly T[], fallback: T): T {
  const v = values[key] ?? fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new SafeTuneError('bad-argument', `${command}: --${key} must be one of ${allowed.join(', ')}, got "${String(v)}"`);
  }
  return v as T;
}
