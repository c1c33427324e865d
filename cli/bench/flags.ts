import { SafeTuneError } from '../../engine/errors';
import type { OptionSpec } from '../../node-host/args';
import { CLI_BACKENDS } from '../../node-host/backend';
import { REAL_SHAPES } from '../real-shapes';

export const BENCH_FLAGS: OptionSpec = {
  backend: { type: 'string' },
  json: { type: 'boolean' },
  shape: { type: 'string' },
  batch: { type: 'string' },
  'seq-len': { type: 'string' },
  steps: { type: 'string' },
  anchors: { type: 'string' },
  'logits-check': { type: 'boolean' },
  layers: { type: 'string' },
};

const SHAPES = Object.keys(REAL_SHAPES).join('|');

export const BENCH_USAGE = [
  `usage: npm run --silent bench -- [--backend ${CLI_BACKENDS.join('|')}] [--json]`,
  `       npm run --silent bench -- --shape ${SHAPES} [--layers N] [--batch B --seq-len T --steps N --anchors N] [--backend B] [--json]`,
  `       npm run --silent bench -- --shape ${SHAPES} [--layers N] --logits-check [--json]`,
].join('\n');

/** What the real-shape bench's steps read; the default bench measures sizes of its own, the logits check no steps. */
const STEP_FLAGS = ['batch', 'seq-len', 'steps', 'anchors'] as const;
/** What every real-shape bench reads, the logits check too. */
const SHAPE_FLAGS = ['layers'] as const;

/**
 * A flag the chosen bench would not read is an error naming it: `--batch 8` without --shape used to run the default
 * bench at its own sizes, and the figures looked like the ones asked for.
 */
export function checkBenchFlags(v: Record<string, string | boolean | undefined>): void {
  const given = (flags: readonly string[]): string | undefined => flags.find((flag) => v[flag] !== undefined);
  if (typeof v['shape'] !== 'string') {
    const flag = given([...STEP_FLAGS, ...SHAPE_FLAGS, 'logits-check']);
    if (flag !== undefined) throw new SafeTuneError('bad-argument', `bench: --${flag} needs --shape`, `the default bench measures sizes of its own; add --shape ${SHAPES} to set --${flag}`);
    return;
  }
  const flag = v['logits-check'] === true ? given(STEP_FLAGS) : undefined;
  if (flag !== undefined) throw new SafeTuneError('bad-argument', `bench: --${flag} does not apply to --logits-check`, 'the logits check runs `cli logits` at the shape, no training steps; drop the flag, or --logits-check');
}

export function positiveIntFlag(v: Record<string, unknown>, key: string, fallback: number): number {
  const raw = v[key];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new SafeTuneError('bad-argument', `bench: --${key} must be a positive integer, got "${String(raw)}"`);
  return n;
}

/**
 * The shape's config.json with `--layers N` decoder layers: every width, the vocabulary and the rest as published, so
 * a software adapter can check the bigger models at their real widths; all of the model's layers without the flag.
 */
export function shapeConfig(name: string, v: Record<string, unknown>): Record<string, unknown> {
  const hf = REAL_SHAPES[name]!;
  const all = hf['num_hidden_layers'] as number;
  const layers = positiveIntFlag(v, 'layers', all);
  if (layers > all) throw new SafeTuneError('bad-argument', `bench: --layers ${layers} is more than ${name} has (${all} decoder layers)`, `pass --layers 1 to ${all}, or leave it out for all ${all}`);
  return layers === all ? hf : { ...hf, num_hidden_layers: layers };
}
