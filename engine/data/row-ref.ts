import { clipText } from '../util/clip-text';
import { clip, DATASET_LIMITS } from './limits';
import type { RowRef } from './types';

/** A row that could not be used, and why: shown in the dataset report and in errors. */
export interface RejectedRow {
  source: RowRef;
  reason: string;
}

/** "train.jsonl line 12" or "train.parquet row 12": how messages name a row. */
export function describeRow(ref: RowRef): string {
  return `${shownFileName(ref.file)} ${ref.unit === 'row' ? 'row' : 'line'} ${ref.line}`;
}

/** The most characters of a dataset file's name that reports, row labels and the run list show. */
export const SHOWN_FILE_NAME_CHARS = 100;

/**
 * A dataset file's name as shown: the user (or a page) picks it, and a name thousands of characters long was repeated
 * uncut on every rejected row of the CLI's report and in the run list. Its end stays (the extension says the file
 * type); the name stored with the run and checked on resume is the whole one.
 */
export function shownFileName(name: string): string {
  return clipText(name, SHOWN_FILE_NAME_CHARS, { keepEnd: 24 });
}

/** The first rejected rows as one message fragment: "line 3: not valid JSON; line 7: ...". */
export function describeRejections(rejected: readonly RejectedRow[], limit = 3): string {
  // Reasons quote the data: clipped, so one hostile row cannot make the message megabytes long.
  const shown = rejected.slice(0, limit).map((r) => `${describeRow(r.source)}: ${clip(r.reason, DATASET_LIMITS.maxReasonChars)}`);
  const more = rejected.length > limit ? `; and ${rejected.length - limit} more` : '';
  return shown.join('; ') + more;
}
