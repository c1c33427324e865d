import type { ChatMessage } from '../tokenizer/types';

/** Row formats the dataset loader recognises (detected automatically, overridable). */
export type RowFormat =
  | 'messages' // {"messages": [{"role", "content"}, ...]} (OpenAI / TRL conversational)
  | 'sharegpt' // {"conversations": [{"from": "human"|"gpt"|"system", "value"}, ...]}
  | 'prompt-completion' // {"prompt", "completion"} (TRL)
  | 'alpaca' // {"instruction", "input"?, "output"}
  | 'question-answer' // {"question", "answer"} (GSM8K)
  | 'question-context-answer' // {"question", "context", "answer"} (sql-create-context)
  | 'text'; // {"text"}: language modelling, loss on every token

/** One training example as a conversation (or raw text), before tokenization. */
export type Example =
  | { kind: 'chat'; messages: ChatMessage[]; source: RowRef }
  | { kind: 'text'; text: string; source: RowRef };

/** Where a row came from, for messages: 1-based line (JSONL, CSV record start) or 0-based index (JSON array, Parquet). */
export interface RowRef {
  file: string;
  line: number;
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
