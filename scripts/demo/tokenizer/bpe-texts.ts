import type { DemoRow } from '../corpus/types';

/**
 * The text the BPE merges are learned from: each row as the chat template renders it, minus the special tokens
 * (the tokenizer splits those off before pre-tokenizing, so merges never span them): "user\n{request}", "\n",
 * "assistant\n{answer}", "\n".
 */
export function bpeTexts(rows: readonly Pick<DemoRow, 'request' | 'answer'>[]): string[] {
  return rows.flatMap((r) => [`user\n${r.request}`, '\n', `assistant\n${r.answer}`, '\n']);
}
