import type { DatasetFileType } from './parsed-file';

// A Map: an extension is part of an untrusted file name ("data.constructor" must not find Object.prototype.constructor).
const BY_EXTENSION: ReadonlyMap<string, DatasetFileType> = new Map([
  ['jsonl', 'jsonl'],
  ['ndjson', 'jsonl'],
  ['json', 'json'],
  ['csv', 'csv'],
  ['tsv', 'tsv'],
  ['parquet', 'parquet'],
  ['pq', 'parquet'],
  ['txt', 'text'],
]);

const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1", at both ends of every Parquet file

/**
 * The file type from the name's extension (case-insensitive; `.txt` is plain text, only ever by name), else from the content: Parquet's magic bytes; JSON
 * when the first non-blank character opens an array or object (JSON Lines when the first line is a complete object
 * on its own and more lines follow); CSV otherwise. A .json file that turns out to be JSON Lines (common on the Hub)
 * is handled by the JSON parser itself.
 */
export function detectFileType(fileName: string, bytes: Uint8Array): DatasetFileType {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const byName = extension === undefined ? undefined : BY_EXTENSION.get(extension);
  return byName ?? sniffFileType(bytes);
}

export function sniffFileType(bytes: Uint8Array): DatasetFileType {
  if (PARQUET_MAGIC.every((b, i) => bytes[i] === b)) return 'parquet';
  const head = new TextDecoder().decode(bytes.subarray(0, 64 * 1024)).replace(/^\uFEFF/, '');
  const first = head.trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return looksLikeJsonLines(head) ? 'jsonl' : 'json';
  return 'csv';
}

function looksLikeJsonLines(head: string): boolean {
  const lines = head.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return false;
  try {
    JSON.parse(lines[0]!);
    return true;
  } catch {
    return false; // the first object spans several lines: one pretty-printed JSON document
  }
}
