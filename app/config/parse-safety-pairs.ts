import type { SafetyPair } from '../../workers/protocol';

export type ParsedPairs = { ok: true; pairs: SafetyPair[] } | { ok: false; problems: string[] };

/**
 * Reads safety anchors or probe items the user typed or uploaded: JSONL, one {"request": …, "refusal": …} object per
 * line, blank lines skipped. Every bad line is reported with its number, so the user can fix them all in one go.
 */
export function parseSafetyPairs(text: string, fileName: string): ParsedPairs {
  const pairs: SafetyPair[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${fileName} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${where}: not valid JSON`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${where}: expected an object like {"request": "…", "refusal": "…"}`);
      return;
    }
    const { request, refusal } = value as Record<string, unknown>;
    const missing = [
      typeof request === 'string' && request.trim() !== '' ? undefined : '"request"',
      typeof refusal === 'string' && refusal.trim() !== '' ? undefined : '"refusal"',
    ].filter((m) => m !== undefined);
    if (missing.length > 0) problems.push(`${where}: needs a non-empty ${missing.join(' and ')} string`);
    else pairs.push({ request: request as string, refusal: refusal as string });
  });
  if (problems.length > 0) return { ok: false, problems };
  if (pairs.length === 0) return { ok: false, problems: [`${fileName} has no {"request", "refusal"} lines`] };
  return { ok: true, pairs };
}

/** The pairs back as JSONL, for editing. */
export function formatSafetyPairs(pairs: readonly SafetyPair[]): string {
  return pairs.map((p) => JSON.stringify({ request: p.request, refusal: p.refusal })).join('\n');
}
