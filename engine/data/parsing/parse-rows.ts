import { SafeTuneError } from '../../errors';
import { datasetLimits, formatBytes, type DatasetLimits } from '../limits';
import { decodeDatasetText, readDatasetBytes, type DatasetBytes } from './dataset-bytes';
import { detectFileType } from './file-type';
import type { DatasetFileType, ParsedFile } from './parsed-file';
import { parseDelimited } from './parse-csv';
import { parseJsonDocument } from './parse-json';
import { parseJsonLines } from './parse-jsonl';
import { parseParquet } from './parse-parquet';
import { parsePlainText } from './parse-text';

export interface ParseRowsOptions {
  /** The file type, when the name's extension and the content do not tell (or tell wrong). */
  fileType?: DatasetFileType;
  /** Size limits (DATASET_LIMITS by default). */
  limits?: Partial<DatasetLimits>;
}

/**
 * A dataset file's rows, whatever its type (JSON Lines, JSON, CSV / TSV, Parquet, plain text: by extension, else by content),
 * with the rows that could not be parsed listed by line. Throws SafeTuneError('bad-dataset') for a file that cannot be
 * read at all (empty, not UTF-8, broken JSON document, unreadable Parquet, unusable CSV header).
 */
export async function parseRows(bytes: DatasetBytes, fileName: string, options: ParseRowsOptions = {}): Promise<ParsedFile> {
  const limits = datasetLimits(options.limits);
  const size = bytes instanceof Blob ? bytes.size : bytes.byteLength;
  if (size > limits.maxFileBytes) {
    // Checked before reading: a Blob's bytes are not even loaded.
    throw new SafeTuneError(
      'bad-dataset',
      `${fileName} is ${formatBytes(size)}; SafeTune reads dataset files up to ${formatBytes(limits.maxFileBytes)}.`,
      'Split it into smaller files (e.g. `split -l 100000 data.jsonl part-`) or train on a sample of its rows.',
    );
  }
  const data = await readDatasetBytes(bytes);
  if (data.length === 0) throw emptyFile(fileName);
  const fileType = options.fileType ?? detectFileType(fileName, data);
  if (fileType === 'parquet') return parseParquet(data, fileName);
  const text = decodeDatasetText(data, fileName);
  if (text.trim() === '') throw emptyFile(fileName);
  switch (fileType) {
    case 'jsonl':
      return parseJsonLinesOrDocument(text, fileName, limits.maxLineChars);
    case 'json':
      return parseJsonDocument(text, fileName);
    case 'csv':
      return parseDelimited(text, fileName, ',');
    case 'tsv':
      return parseDelimited(text, fileName, '\t');
    case 'text':
      return parsePlainText(text, fileName, limits.maxLineChars);
  }
}

/**
 * A ".jsonl" file that is really one JSON document: a list, or an object spread over several lines (pretty-printed).
 * Real JSON Lines with two or more rows is never a valid document, and a one-line object stays a one-row JSON Lines file.
 */
function parseJsonLinesOrDocument(text: string, fileName: string, maxLineChars: number): ParsedFile {
  const firstLineEnd = text.indexOf('\n');
  const firstLineChars = firstLineEnd < 0 ? text.length : firstLineEnd;
  // A first line past the row limit is no one-line document worth parsing whole: JSON Lines rejects it unread.
  if (/^\s*[[{]/.test(text) && firstLineChars <= maxLineChars) {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return parseJsonLines(text, fileName, maxLineChars);
    }
    const lines = text.split('\n').filter((line) => line.trim() !== '').length;
    if (Array.isArray(document) || lines > 1) return parseJsonDocument(text, fileName);
  }
  return parseJsonLines(text, fileName, maxLineChars);
}

function emptyFile(fileName: string): SafeTuneError {
  return new SafeTuneError(
    'bad-dataset',
    `${fileName} is empty.`,
    'Choose a file with rows: JSON Lines, a JSON list, CSV, Parquet or plain text (one example a line).',
  );
}
