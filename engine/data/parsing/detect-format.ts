import { SafeTuneError } from '../../errors';
import type { RawRow } from './parsed-file';
import { ROW_FORMATS, rowFormatOf } from './row-formats';
import type { RowFormat } from '../types';

/** How many leading rows vote on the format: enough to outvote a few odd rows, cheap on any file. */
export const DETECTION_SAMPLE = 1000;

export type FormatCounts = Partial<Record<RowFormat | 'unrecognised', number>>;

export interface FormatDetection {
  format: RowFormat;
  /** Votes of the sampled rows, by the format each one matches. */
  votes: FormatCounts;
  sampled: number;
}

/**
 * The row format most of the first rows match (ties go to the more specific format). Throws SafeTuneError
 * ('bad-dataset') listing the field names seen, with their counts, when no row matches any format.
 */
export function detectFormat(rows: readonly RawRow[], fileName: string): FormatDetection {
  const sample = rows.slice(0, DETECTION_SAMPLE);
  const votes = countRowFormats(sample);
  let best: RowFormat | undefined;
  for (const { format } of ROW_FORMATS) {
    if ((votes[format] ?? 0) > (best === undefined ? 0 : votes[best] ?? 0)) best = format;
  }
  if (best === undefined) throw noFormat(sample, fileName);
  return { format: best, votes, sampled: sample.length };
}

/** How many rows match each format (first match in ROW_FORMATS order), and how many match none. */
export function countRowFormats(rows: readonly RawRow[]): FormatCounts {
  const counts: FormatCounts = {};
  for (const row of rows) {
    const format = rowFormatOf(Object.keys(row.fields)) ?? 'unrecognised';
    counts[format] = (counts[format] ?? 0) + 1;
  }
  return counts;
}

function noFormat(sample: readonly RawRow[], fileName: string): SafeTuneError {
  if (sample.length === 0) {
    return new SafeTuneError('bad-dataset', `${fileName} has no rows.`, 'Choose a file with at least one row of data.');
  }
  const keyCounts = new Map<string, number>();
  for (const row of sample) for (const key of Object.keys(row.fields)) keyCounts.set(key, (keyCounts.get(key) ?? 0) + 1);
  const seen = [...keyCounts].map(([key, n]) => `"${key}" (${n} row${n === 1 ? '' : 's'})`).join(', ') || 'none';
  const formats = ROW_FORMATS.map((s) => `${s.format} (${s.required.join(' + ')})`).join(', ');
  return new SafeTuneError(
    'bad-dataset',
    `${fileName}: the rows match no known format. Fields seen in the first ${sample.length} rows: ${seen}.`,
    `SafeTune reads these formats: ${formats}. Rename the columns, or map them, e.g. columns ` +
      '{ "prompt": "goal", "completion": "target" } to read goal/target rows as prompt-completion.',
  );
}
