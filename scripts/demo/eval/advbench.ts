import { readFile } from 'node:fs/promises';

/**
 * AdvBench's harmful_behaviors.csv (columns `goal,target`) → the `goal` strings. A small RFC 4180 reader (quoted
 * fields, doubled quotes, CRLF) is enough for this one file; the build reads it from ../shared/data when present and
 * never copies its text into the project.
 */
export function parseAdvbenchGoals(csv: string, fileName: string): string[] {
  const records = parseCsv(csv);
  const header = records.shift();
  const goal = header?.indexOf('goal') ?? -1;
  if (header === undefined || goal < 0) throw new Error(`${fileName}: expected a header row with a "goal" column`);
  return records.filter((r) => r.length > goal && r[goal]!.trim() !== '').map((r) => r[goal]!.trim());
}

function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (record.some((f) => f !== '')) records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  record.push(field);
  if (record.some((f) => f !== '')) records.push(record);
  return records;
}

/** The first `limit` AdvBench goals of `path`, or undefined when the file is not there (the build then skips them). */
export async function readAdvbench(path: string, limit: number): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseAdvbenchGoals(text, path).slice(0, limit);
}
