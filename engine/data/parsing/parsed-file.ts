import type { RejectedRow } from '../row-ref';
import type { RowRef } from '../types';

/** The file types the loader reads. 'tsv' is CSV with tab separators; 'text' is plain text, one example a line. */
export type DatasetFileType = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet' | 'text';

/** One row of a file as parsed, before its format is known: field name → value (strings, lists, objects, ...). */
export interface RawRow {
  fields: Record<string, unknown>;
  source: RowRef;
}

/** A parsed file: its rows, and the rows that could not even be parsed (bad JSON line, wrong field count, ...). */
export interface ParsedFile {
  fileName: string;
  fileType: DatasetFileType;
  rows: RawRow[];
  rejected: RejectedRow[];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** "an array", "a number", "null": what a value is, for messages about wrong types. */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'binary data';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'bigint') return 'a number';
  return `a ${typeof value}`;
}
