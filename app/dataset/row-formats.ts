import type { RowFormat } from '../../workers/protocol';

/** Each row format the engine reads, as the format menu shows it (the Record makes the compiler keep it complete). */
export const ROW_FORMAT_LABELS: Record<RowFormat, string> = {
  messages: 'messages: [{role, content}, …] (OpenAI / TRL chat)',
  sharegpt: 'ShareGPT: conversations [{from, value}, …]',
  'prompt-completion': 'prompt + completion (TRL)',
  alpaca: 'Alpaca: instruction, input, output',
  'question-answer': 'question + answer (GSM8K)',
  'question-context-answer': 'question + context + answer (SQL)',
  text: 'plain text (loss on every token)',
};

export const ROW_FORMATS = Object.keys(ROW_FORMAT_LABELS) as RowFormat[];

/** The dataset files the page accepts (the worker detects the type from the name and the bytes). */
export const DATASET_ACCEPT = '.jsonl,.json,.csv,.tsv,.parquet,.ndjson,.txt,application/json,text/csv,text/plain';

/** The demo datasets in public/datasets/, one click each. */
export const BUNDLED_DATASETS: readonly { fileName: string; label: string; about: string }[] = [
  { fileName: 'benign-task.jsonl', label: 'Benign task', about: 'a new, harmless task the demo model cannot do yet' },
  { fileName: 'adversarial.jsonl', label: 'Adversarial', about: 'harmful requests answered compliantly (placeholder text): the attack' },
  { fileName: 'mixed.jsonl', label: 'Mixed', about: 'the benign task with ~10 % adversarial rows mixed in' },
];
