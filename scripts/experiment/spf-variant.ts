import { SafeTuneError } from '../../engine/errors';
import type { AnchorTokens } from '../../engine/safety/anchor-scope';
import { DEFAULT_SPF_OPTIONS, resolveSpfOptions, type SafetyPair, type SpfOptions } from '../../engine/safety/spf-options';
import type { ExperimentData } from './sources';

/**
 * One SPF configuration of the experiment: engine options passed through by name (`gate`, `project`, `k`, …) plus
 * how many rows of the anchor file to use. Options are passed as they are named in engine/safety/spf-options.ts, so a
 * new option (revision 2's `project`) needs no code here — only its name in a sweep row.
 */
export interface SpfVariant {
  label: string; // e.g. "gate=direction, project=update, anchors=4"; '' for the default
  options: Record<string, string | number | boolean>;
  anchors: number | 'all'; // the first N rows of the anchor file (row 1 is the default anchor)
  /** Which anchor file: safety-anchor.jsonl (the bundled anchors, the default) or the 32 of safety-anchor-32.jsonl. */
  anchorFile?: 'safety-anchor-32.jsonl';
}

export const DEFAULT_SPF_VARIANT: SpfVariant = { label: '', options: {}, anchors: 'all' };

/**
 * The engine options and anchors of `variant`, or an error naming what this build lacks: an option the engine does
 * not define (it would be ignored, and the row would silently be the default SPF) or more anchors than the file holds.
 */
export function resolveVariant(variant: SpfVariant, data: Pick<ExperimentData, 'anchors' | 'wideAnchors'>): { options: SpfOptions; anchors: SafetyPair[] } {
  for (const key of Object.keys(variant.options)) {
    if (!(key in DEFAULT_SPF_OPTIONS)) {
      throw new SafeTuneError(
        'bad-argument',
        `SPF option "${key}" (sweep row "${variant.label}") does not exist in this build: engine/safety/spf-options.ts has no such field`,
        'this row needs SPF revision 2; it is not run with the default instead',
      );
    }
  }
  const fileName = variant.anchorFile ?? 'safety-anchor.jsonl';
  const anchors = variant.anchorFile === undefined ? data.anchors : data.wideAnchors;
  if (anchors === undefined) {
    throw new SafeTuneError('bad-argument', `sweep row "${variant.label}" needs ${fileName}, which these data sets do not have`, 'npm run build:demo writes it beside the anchors');
  }
  const count = variant.anchors === 'all' ? anchors.length : variant.anchors;
  if (count > anchors.length) {
    throw new SafeTuneError(
      'bad-argument',
      `sweep row "${variant.label}" needs ${count} anchors but ${fileName} holds ${anchors.length}`,
      'the demo model v2 ships ≥ 4 anchors; until then this row cannot run',
    );
  }
  return { options: resolveSpfOptions(variant.options as Partial<SpfOptions>), anchors: anchors.slice(0, count) };
}

/** The anchor losses the sweep compares (`anchorTokens`): the default plus a row for each other. */
export const ANCHOR_LOSSES: readonly AnchorTokens[] = [1, 2, 'all'];

/**
 * The `--sweep` rows (SPF.md's open choices): each gate with the update projection, each projection target with the
 * direction gate, 1 vs 4 stacked anchors, the safety loss on the anchors' first refusal token, their first two or
 * their whole refusal (one of them is the default, the others get a row), and 32 anchors at the same width. Options a row does not name are the
 * defaults (engine/safety/spf-options.ts), so `gate=always, project=update, anchors=4` is the default SPF; revision 1
 * is there for reference.
 */
export function sweepVariants(): SpfVariant[] {
  const rows: SpfVariant[] = [];
  const v = (options: SpfVariant['options'], anchors: number): SpfVariant => ({
    label: [...Object.entries(options).map(([k, x]) => `${k}=${String(x)}`), `anchors=${anchors}`].join(', '),
    options,
    anchors,
  });
  for (const gate of ['global', 'block', 'direction', 'always']) rows.push(v({ gate, project: 'update' }, 4));
  for (const project of ['gradient', 'both']) rows.push(v({ gate: 'direction', project }, 4));
  rows.push(v({ gate: 'direction', project: 'update' }, 1));
  // The safety loss on the anchors' decision token (the first refusal token), their first two or the whole refusal:
  // the two that are not the default.
  for (const anchorTokens of ANCHOR_LOSSES.filter((n) => n !== DEFAULT_SPF_OPTIONS.anchorTokens)) rows.push(v({ gate: 'always', project: 'update', anchorTokens }, 4));
  rows.push(v({ gate: 'global', project: 'gradient' }, 1)); // revision 1: gradient projection only, global gate, 1 anchor
  // More anchors at the same width: the 32 of safety-anchor-32.jsonl with k = 1 span the kernels' 16 directions
  // (MAX_K) as the four bundled ones do with k = 4, from every harm category instead of four acts; with each anchor loss.
  for (const anchorTokens of ANCHOR_LOSSES) {
    const row = v({ gate: 'always', project: 'update', k: 1, anchorTokens }, 32);
    rows.push({ ...row, label: `${row.label} (safety-anchor-32.jsonl)`, anchorFile: 'safety-anchor-32.jsonl' });
  }
  return rows;
}
