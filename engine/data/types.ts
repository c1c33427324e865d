import type { ChatMessage } from '../tokenizer/types';

/** Row formats the dataset loader recognises (detected automatically, overridable). */
export type RowFormat =
  | 'messages' // {"messages": [{"role", "content"}, ...]} (OpenAI / TRL conversational)
  | 'sharegpt' // {"conversations": [{"from": "human"|"gpt"|"system", "value"}, ...]}
  | 'prompt-completion' // {"prompt", "completion"} (TRL): strings, or message lists (conversational)
  | 'alpaca' // {"instruction", "input"?, "output"}
  | 'question-answer' // {"question", "answer"} (GSM8K)
  | 'question-context-answer' // {"question", "context", "answer"} (sql-create-context)
  | 'text'; // {"text"}: language modelling, loss on every token

/**
 * One training example before tokenization:
 * - `chat`: a conversation rendered with the model's chat template; the assistant turns at index
 *   `completionStart` or later are trained (0 for `messages` rows: every assistant turn; the prompt's length for
 *   conversational prompt-completion rows, whose prompt may hold few-shot assistant turns that TRL does not train).
 * - `completion`: TRL's standard (non-conversational) prompt-completion: plain `prompt + completion` text, no chat
 *   template, loss on the completion and the EOS appended after it.
 * - `text`: plain text, loss on every token and the EOS appended after it.
 */
export type Example =
  | { kind: 'chat'; messages: ChatMessage[]; completionStart: number; source: RowRef }
  | { kind: 'completion'; prompt: string; completion: string; source: RowRef }
  | { kind: 'text'; text: string; source: RowRef };

/**
 * Where a row came from, for messages. `line` is the 1-based line where the row starts (JSONL line, JSON array
 * element, CSV record start) or, when `unit` is 'row' (Parquet, which has no lines), the 1-based row number.
 */
export interface RowRef {
  file: string;
  line: number;
  unit?: 'line' | 'row';
}

/**
 * A tokenized example: `labels[t]` is `ids[t]` where the loss is taken (assistant / completion tokens, and the EOS
 * that ends each of them) and IGNORE_INDEX (-100) elsewhere — HF convention, shifted inside the loss.
 */
export interface TokenizedExample {
  ids: number[];
  labels: number[];
  truncated: boolean;
  source: RowRef;
}
