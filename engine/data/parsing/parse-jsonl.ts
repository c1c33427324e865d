import { DATASET_LIMITS } from '../limits';
import { describeKind, isPlainObject, type ParsedFile } from './parsed-file';
import { jsonErrorText } from './json-error';

/**
 * JSON Lines: one JSON object per line (LF or CRLF). Blank lines are skipped; a line that is not valid JSON, or is
 * valid JSON but not an object, is rejected with its line number (a trailing comma is invalid JSON too).
 */
export function parseJsonLines(text: string, fileName: string, maxLineChars = DATASET_LIMITS.maxLineChars): ParsedFile {
  const parsed: ParsedFile = { fileName, fileType: 'jsonl', rows: [], rejected: [] };
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNumber++;
    const source = { file: fileName, line: lineNumber };
    if (end - start > maxLineChars) {
      // Not parsed: JSON.parse of a 200 MB line takes minutes and gigabytes before any row limit could apply.
      parsed.rejected.push({ source, reason: `is ${end - start} characters long; a row may have at most ${maxLineChars}` });
      start = end + 1;
      continue;
    }
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      parsed.rejected.push({ source, reason: `not valid JSON (${jsonErrorText(e)})` });
      continue;
    }
    if (isPlainObject(value)) parsed.rows.push({ fields: value, source });
    else parsed.rejected.push({ source, reason: `holds ${describeKind(value)}, not a JSON object with the row's fields` });
  }
  return parsed;
}
