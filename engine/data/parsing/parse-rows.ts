import { SafeTuneError } from '../../errors';
import { decodeDatasetText, readDatasetBytes, type DatasetBytes } from './dataset-bytes';
import { detectFileType } from './file-type';
import type { DatasetFileType, ParsedFile } from './parsed-file';
import { parseDelimited } from './parse-csv';
import { parseJsonDocument } from './parse-json';
import { parseJsonLines } from './parse-jsonl';
import { parseParquet } from './parse-parquet';

export interface ParseRowsOptions {
  /** The file type, when the name's extension and the content do not tell (or tell wrong). */
  fileType?: DatasetFileType;
}

/**
 * A dataset file's rows, whatever its type (JSON Lines, JSON, CSV / TSV, Parquet: by extension, else by content),
 * with the rows that could not be parsed listed by line. Throws SafeTuneError('bad-dataset') for a file that cannot be
 * read at all (empty, not UTF-8, broken JSON document, unreadable Parquet, unusable CSV header).
 */
export async function parseRows(bytes: DatasetBytes, fileName: string, options: ParseRowsOptions = {}): Promise<ParsedFile> {
  const data = await readDatasetBytes(bytes);
  if (data.length === 0) throw emptyFile(fileName);
  const fileType = options.fileType ?? detectFileType(fileName, data);
  if (fileType === 'parquet') return parseParquet(data, fileName);
  const text = decodeDatasetText(data, fileName);
  if (text.trim() === '') throw emptyFile(fileName);
  switch (fileType) {
    case 'jsonl':
      return parseJsonLinesOrDocument(text, fileName);
    case 'json':
      return parseJsonDocument(text, fileName);
    case 'csv':
      return parseDelimited(text, fileName, ',');
    case 'tsv':
      return parseDelimited(text, fileName, '\t');
  }
}

/**
 * A ".jsonl" file that is really one JSON document: a list, or an object spread over several lines (pretty-printed).
 * Real JSON Lines with two or more rows is never a valid document, and a one-line object stays a one-row JSON Lines file.
 */
function parseJsonLinesOrDocument(text: string, fileName: string): ParsedFile {
  if (/^\s*[[{]/.test(text)) {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return parseJsonLines(text, fileName);
    }
    const lines = text.split('\n').filter((line) => line.trim() !== '').length;
    if (Array.isArray(document) || lines > 1) return parseJsonDocument(text, fileName);
  }
  return parseJsonLines(text, fileName);
}

function emptyFile(fileName: string): SafeTuneError {
  return new SafeTuneError(
    'bad-dataset',
    `${fileName} is empty.`,
    'Choose a file with rows: JSON Lines, a JSON list, CSV or Parquet.',
  );
}
