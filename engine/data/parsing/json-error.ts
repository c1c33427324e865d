import { clipText } from '../../util/clip-text';

const MAX_REASON = 160;

/** JSON.parse's message, shortened: V8 quotes the offending input, which can be a whole long line. */
export function jsonErrorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return clipText(text, MAX_REASON);
}

/** The character offset V8 reports in a JSON.parse error ("... at position 123"), if any. */
export function jsonErrorOffset(e: unknown): number | undefined {
  const match = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  return match === null ? undefined : Number(match[1]);
}
