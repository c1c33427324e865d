import { SafeTuneError } from '../../errors';
import type { ParsedFile, RawRow } from './parsed-file';
import type { RejectedRow } from '../row-ref';

/** One CSV record: its fields and the 1-based line it starts on (a quoted field may span lines). */
interface CsvRecord {
  fields: string[];
  line: number;
  /** Set when the record ran into the end of the file inside a quoted field. */
  unterminated: boolean;
}

/**
 * CSV as RFC 4180 defines it, and as spreadsheets and pandas write it: records end at LF, CRLF or CR; a field in
 * double quotes may hold the separator, line breaks and doubled quotes (""). The first record is the header and names
 * the fields. Blank lines are skipped; a record with the wrong number of fields is rejected with its start line.
 * Leniencies, as Python's csv module: a quote inside an unquoted field is an ordinary character, and text after a
 * closing quote is kept.
 */
export function parseDelimited(text: string, fileName: string, separator: ',' | '\t'): ParsedFile {
  const fileType = separator === ',' ? 'csv' : 'tsv';
  const records = readRecords(text, separator);
  const header = records.shift();
  if (header === undefined) {
    throw new SafeTuneError('bad-dataset', `${fileName} is empty.`, 'Choose a file with a header row and data rows.');
  }
  const names = headerNames(header, fileName);
  const rows: RawRow[] = [];
  const rejected: RejectedRow[] = [];
  for (const record of records) {
    const source = { file: fileName, line: record.line };
    if (record.unterminated) {
      rejected.push({ source, reason: 'a quoted field starting in this record never closes (a missing ")' });
    } else if (record.fields.length !== names.length) {
      rejected.push({
        source,
        reason: `has ${record.fields.length} field${record.fields.length === 1 ? '' : 's'}, the header names ${names.length}`,
      });
    } else {
      const fields: Record<string, unknown> = {};
      names.forEach((name, i) => (fields[name] = record.fields[i]));
      rows.push({ fields, source });
    }
  }
  return { fileName, fileType, rows, rejected };
}

function headerNames(header: CsvRecord, fileName: string): string[] {
  const names = header.fields.map((name) => name.trim());
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    const problem = name === '' ? `column ${i + 1} has no name` : seen.has(name) ? `column "${name}" appears twice` : undefined;
    if (problem !== undefined || header.unterminated) {
      throw new SafeTuneError(
        'bad-dataset',
        `${fileName} line ${header.line}: the header row is not usable (${problem ?? 'a quoted name never closes'}).`,
        'The first row of a CSV file must name every column once, e.g. "prompt,completion".',
      );
    }
    seen.add(name);
  }
  return names;
}

/** Splits the text into records (blank lines skipped), tracking the line each record starts on. */
function readRecords(text: string, separator: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let atFieldStart = true;
    let quotedAny = false;
    let unterminated = false;
    let ended = false;
    while (!ended) {
      if (i >= text.length) break;
      if (text[i] === '"' && atFieldStart) {
        // A quoted field: up to the lone closing quote; "" is one quote; line breaks are part of the field.
        quotedAny = true;
        atFieldStart = false;
        i++;
        let closed = false;
        while (i < text.length) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          field += c;
          i++;
        }
        if (!closed) {
          unterminated = true;
          break;
        }
        continue;
      }
      const c = text[i]!;
      if (c === separator) {
        fields.push(field);
        field = '';
        atFieldStart = true;
        i++;
      } else if (c === '\n' || c === '\r') {
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        ended = true;
      } else {
        field += c;
        atFieldStart = false;
        i++;
      }
    }
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && !quotedAny;
    if (!blank) records.push({ fields, line: start, unterminated });
  }
  return records;
}
