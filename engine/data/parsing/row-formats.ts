import type { RowFormat } from '../types';

/** A row format: the fields that identify it (all must be present) and the optional ones it also reads. */
export interface RowFormatSpec {
  format: RowFormat;
  required: readonly string[];
  optional: readonly string[];
  /** One line for hints and the UI: what a row of this format looks like. */
  example: string;
}

/**
 * Most specific first: a row matches the first spec whose required fields it has, so an Alpaca row that also carries
 * the pre-rendered "text" column (tatsu-lab/alpaca) is Alpaca, and {question, context, answer} is not read as
 * question-answer.
 */
export const ROW_FORMATS: readonly RowFormatSpec[] = [
  {
    format: 'messages',
    required: ['messages'],
    optional: [],
    example: '{"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}',
  },
  {
    format: 'sharegpt',
    required: ['conversations'],
    optional: ['system'],
    example: '{"conversations": [{"from": "human", "value": "..."}, {"from": "gpt", "value": "..."}]}',
  },
  {
    format: 'prompt-completion',
    required: ['prompt', 'completion'],
    optional: [],
    example: '{"prompt": "...", "completion": "..."}',
  },
  {
    format: 'alpaca',
    required: ['instruction', 'output'],
    optional: ['input', 'system'],
    example: '{"instruction": "...", "input": "...", "output": "..."}',
  },
  {
    format: 'question-context-answer',
    required: ['question', 'context', 'answer'],
    optional: ['system'],
    example: '{"question": "...", "context": "...", "answer": "..."}',
  },
  {
    format: 'question-answer',
    required: ['question', 'answer'],
    optional: ['system'],
    example: '{"question": "...", "answer": "..."}',
  },
  { format: 'text', required: ['text'], optional: [], example: '{"text": "..."}' },
];

/** Every field name some format reads: the targets a column mapping may use. */
export const KNOWN_FIELDS: readonly string[] = [...new Set(ROW_FORMATS.flatMap((s) => [...s.required, ...s.optional]))];

export function isRowFormat(value: string): value is RowFormat {
  return ROW_FORMATS.some((s) => s.format === value);
}

/** The format a row with these field names has, or undefined when it has none. */
export function rowFormatOf(keys: Iterable<string>): RowFormat | undefined {
  const present = new Set(keys);
  return ROW_FORMATS.find((spec) => spec.required.every((key) => present.has(key)))?.format;
}
