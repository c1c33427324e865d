import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

/** JSON Lines text from row objects. */
export const jsonl = (...rows: unknown[]): string => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

/** The public datasets folder, `../shared/data` from the repository root (vitest runs there). */
export const SHARED_DATA = resolve(process.cwd(), '../shared/data');
export const HAVE_SHARED_DATA = existsSync(SHARED_DATA);
if (!HAVE_SHARED_DATA) {
  console.warn(`[tests/data] ${SHARED_DATA} is absent: the tests on the real GSM8K / sql-create-context / AdvBench files are skipped.`);
}
