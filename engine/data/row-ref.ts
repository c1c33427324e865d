import { clip, DATASET_LIMITS } from './limits';
import type { RowRef } from './types';

/** A row that could not be used, and why: shown in the dataset report and in errors. */
export interface RejectedRow {
  source: RowRef;
  reason: string;
}

/** "train.jsonl line 12" or "train.parquet row 12": how messages name a row. */
export function describeRow(ref: RowRef): string {
  return `${ref.file} ${ref.unit === 'row' ? 'row' : 'line'} ${ref.line}`;
}

/** The first rejected rows as one message fragment: "line 3: not valid JSON; line 7: ...". */
export function describeRejections(rejected: readonly RejectedRow[], limit = 3): string {
  // Reasons quote the data: clipped, so one hostile row cannot make the message megabytes long.
  const shown = rejected.slice(0, limit).map((r) => `${describeRow(r.source)}: ${clip(r.reason, DATASET_LIMITS.maxReasonChars)}`);
  const more = rejected.length > limit ? `; and ${rejected.length - limit} more` : '';
  return shown.join('; ') + more;
}
