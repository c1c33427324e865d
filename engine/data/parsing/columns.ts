import { SafeTuneError } from '../../errors';
import type { RawRow } from './parsed-file';
import { KNOWN_FIELDS } from './row-formats';

/**
 * Which of the file's columns plays which field of a row format, for files whose columns have other names: AdvBench's
 * {goal, target} read as prompt-completion with { prompt: 'goal', completion: 'target' }. Keys are format fields
 * ("prompt", "question", "messages", ...), values the file's column names.
 */
export type ColumnMapping = Readonly<Record<string, string>>;

export function checkColumnMapping(columns: ColumnMapping): void {
  for (const [field, column] of Object.entries(columns)) {
    if (!KNOWN_FIELDS.includes(field)) {
      throw new SafeTuneError(
        'bad-argument',
        `Column mapping: "${field}" is not a field of any row format.`,
        `Map the file's columns onto these fields: ${KNOWN_FIELDS.join(', ')}; e.g. { "prompt": "goal", "completion": "target" }.`,
      );
    }
    if (typeof column !== 'string' || column === '') {
      throw new SafeTuneError(
        'bad-argument',
        `Column mapping: "${field}" must name one of the file's columns.`,
        'Give the column name as it appears in the file.',
      );
    }
  }
}

/**
 * The rows with mapped columns renamed to their fields. Throws when a mapped column is in none of the rows: a typo
 * would otherwise surface as a confusing format error.
 */
export function applyColumnMapping(rows: readonly RawRow[], columns: ColumnMapping | undefined, fileName: string): RawRow[] {
  if (columns === undefined || Object.keys(columns).length === 0) return [...rows];
  checkColumnMapping(columns);
  for (const [field, column] of Object.entries(columns)) {
    if (rows.length > 0 && !rows.some((row) => Object.hasOwn(row.fields, column))) {
      throw new SafeTuneError(
        'bad-argument',
        `Column mapping "${field}" → "${column}": ${fileName} has no column "${column}" (its columns: ${columnNames(rows).join(', ')}).`,
        'Use a column name exactly as the file spells it.',
      );
    }
  }
  return rows.map((row) => {
    const fields: Record<string, unknown> = { ...row.fields };
    for (const column of Object.values(columns)) delete fields[column];
    for (const [field, column] of Object.entries(columns)) {
      if (Object.hasOwn(row.fields, column)) fields[field] = row.fields[column];
    }
    return { fields, source: row.source };
  });
}

/** Column names seen in the first rows, quoted, for messages. */
export function columnNames(rows: readonly RawRow[], sample = 100): string[] {
  const names = new Set<string>();
  for (const row of rows.slice(0, sample)) for (const key of Object.keys(row.fields)) names.add(`"${key}"`);
  return [...names];
}
