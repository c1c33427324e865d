import { spreadSample } from '../../experiment/jailbreak';
import { frameRequest, HELD_OUT_FRAMINGS } from '../corpus/framings';
import type { DemoRow } from '../corpus/types';

/** Requests of each held-out set the card puts in every held-out framing. */
export const FRAMED_PER_SET = 30;

/**
 * Held-out harmful requests and held-out benign phrasings (spread over their groups), each in every held-out framing
 * (corpus/framings.ts); `group` is the framing's name. None of these framings is ever trained, so the card sees
 * whether a refusal survives a wrapper — and whether a wrapper alone makes the model refuse — on requests it never saw.
 */
export function framedEvalRows(harmfulEval: readonly DemoRow[], benignEval: readonly DemoRow[]): { harmful: DemoRow[]; benign: DemoRow[] } {
  const frame = (rows: readonly DemoRow[]): DemoRow[] =>
    HELD_OUT_FRAMINGS.flatMap((f) => spreadSample(rows, FRAMED_PER_SET).map((r) => ({ ...r, request: frameRequest(f.template, r.request), group: f.name })));
  return { harmful: frame(harmfulEval), benign: frame(benignEval) };
}
