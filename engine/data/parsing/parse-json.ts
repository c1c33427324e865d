import { SafeTuneError } from '../../errors';
import { jsonErrorOffset, jsonErrorText } from './json-error';
import { arrayElementOffsets, objectValueOffsets, skipWhitespace } from './json-offsets';
import { LineIndex } from './line-index';
import { describeKind, isPlainObject, type ParsedFile } from './parsed-file';
import { parseJsonLines } from './parse-jsonl';
import { rowFormatOf } from './row-formats';

/**
 * A JSON document: an array of row objects; an object with a single list of rows ({"data": [...]}, as some Hub
 * exports have, other non-list fields such as "version" are ignored); or one object that is itself a row. Each row is
 * reported by the line its element starts on. A ".json" file that is really JSON Lines (common on the Hub) is read as
 * JSON Lines. A document that is not valid JSON fails as a whole, naming line and column: unlike JSON Lines, one
 * syntax error leaves no way to tell where the next row starts.
 */
export function parseJsonDocument(text: string, fileName: string): ParsedFile {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (e) {
    if (firstLineIsObject(text)) return parseJsonLines(text, fileName);
    throw notJson(text, fileName, e);
  }
  const open = skipWhitespace(text, 0);
  const lines = new LineIndex(text);
  if (Array.isArray(document)) return rowsOfArray(document, arrayElementOffsets(text, open), lines, fileName);
  if (!isPlainObject(document)) {
    throw new SafeTuneError(
      'bad-dataset',
      `${fileName} holds ${describeKind(document)}, not a list of rows.`,
      'A JSON dataset is a list of row objects: [{"prompt": "...", "completion": "..."}, ...].',
    );
  }
  if (rowFormatOf(Object.keys(document)) !== undefined) {
    const row = { fields: document, source: { file: fileName, line: lines.lineAt(open) } };
    return { fileName, fileType: 'json', rows: [row], rejected: [] };
  }
  const lists = Object.keys(document).filter((key) => Array.isArray(document[key]));
  if (lists.length !== 1) {
    const keys = Object.keys(document).map((k) => `"${k}"`).join(', ') || 'none';
    throw new SafeTuneError(
      'bad-dataset',
      lists.length === 0
        ? `${fileName} holds one JSON object without a list of rows (its keys: ${keys}).`
        : `${fileName} holds several lists (${lists.map((k) => `"${k}"`).join(', ')}): which one holds the rows is unclear.`,
      'Use a list of row objects, [{...}, {...}], or an object with exactly one list: {"data": [{...}, {...}]}. ' +
        'JSON Lines (one object per line) works too.',
    );
  }
  const key = lists[0]!;
  const listOpen = objectValueOffsets(text, open).get(key) ?? open;
  return rowsOfArray(document[key] as unknown[], arrayElementOffsets(text, listOpen), lines, fileName);
}

function rowsOfArray(items: unknown[], offsets: number[], lines: LineIndex, fileName: string): ParsedFile {
  const parsed: ParsedFile = { fileName, fileType: 'json', rows: [], rejected: [] };
  items.forEach((item, i) => {
    const source = { file: fileName, line: lines.lineAt(offsets[i] ?? 0) };
    if (isPlainObject(item)) parsed.rows.push({ fields: item, source });
    else parsed.rejected.push({ source, reason: `holds ${describeKind(item)}, not a JSON object with the row's fields` });
  });
  return parsed;
}

function firstLineIsObject(text: string): boolean {
  const first = text.split('\n').find((line) => line.trim() !== '');
  if (first === undefined) return false;
  try {
    return isPlainObject(JSON.parse(first));
  } catch {
    return false;
  }
}

function notJson(text: string, fileName: string, e: unknown): SafeTuneError {
  const offset = jsonErrorOffset(e);
  let where = '';
  if (offset !== undefined) {
    const line = new LineIndex(text).lineAt(offset);
    const column = offset - text.lastIndexOf('\n', offset - 1);
    where = ` at line ${line}, column ${column}`;
  }
  const empty = text.trim() === '';
  return new SafeTuneError(
    'bad-dataset',
    empty ? `${fileName} is empty.` : `${fileName} is not valid JSON${where}: ${jsonErrorText(e)}.`,
    empty
      ? 'Choose a file with rows: JSON Lines, a JSON list, CSV or Parquet.'
      : 'Fix the JSON there (a missing comma or quote, or a trailing comma, is the usual cause), or save the data as ' +
          'JSON Lines, where a broken row only costs that row.',
  );
}
