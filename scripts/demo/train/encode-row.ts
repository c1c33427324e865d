import { IGNORE_INDEX } from '../../../engine/model/loss';
import type { TextTokenizer } from '../../../engine/tokenizer/types';
import type { DemoRow } from '../corpus/types';

/** A conversation as token ids, with labels only where the model is trained (HF convention; shifted in the loss). */
export interface EncodedRow {
  ids: number[];
  labels: number[];
}

/** The prompt of `request` as generation sees it: the user turn and the assistant turn opener. */
export function promptIds(tokenizer: TextTokenizer, request: string): number[] {
  return tokenizer.encode(tokenizer.renderChat([{ role: 'user', content: request }], { addGenerationPrompt: true }));
}

/**
 * prompt ids ++ answer ids ++ <|im_end|>, with the loss on the answer and the <|im_end|> that ends it only (the
 * model must learn to stop; the prompt is given, not predicted). The answer is encoded on its own: the chat
 * template puts a newline before it, and the byte-level pre-tokenizer always splits there, so this equals the ids
 * of the whole rendered conversation (a test holds it to that).
 */
export function encodeRow(tokenizer: TextTokenizer, row: Pick<DemoRow, 'request' | 'answer'>): EncodedRow {
  const prompt = promptIds(tokenizer, row.request);
  const answer = [...tokenizer.encode(row.answer), tokenizer.eosTokenIds[0]!];
  return {
    ids: [...prompt, ...answer],
    labels: [...prompt.map(() => IGNORE_INDEX), ...answer],
  };
}
