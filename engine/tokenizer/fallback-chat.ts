import type { ChatMessage } from './types';

/**
 * The chat format used when a tokenizer has no chat template (base models): ChatML,
 *
 *     <|im_start|>system\n{content}<|im_end|>\n<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n
 *
 * When the vocabulary lacks <|im_end|>, each turn ends with the tokenizer's EOS token text instead, so a fine-tuned
 * base model learns to stop at a token generation already stops at. <|im_start|> stays as the turn opener either way:
 * if it is not a token it is simply spelled out as ordinary text, which still marks turns unambiguously.
 */
export const CHATML_TURN_START = '<|im_start|>';
export const CHATML_TURN_END = '<|im_end|>';

export interface FallbackChatMarkers {
  turnStart: string;
  turnEnd: string;
}

/** ChatML's markers, with the EOS token text as turn end when `<|im_end|>` is not in the vocabulary. */
export function fallbackChatMarkers(isToken: (text: string) => boolean, eosText: string): FallbackChatMarkers {
  return { turnStart: CHATML_TURN_START, turnEnd: isToken(CHATML_TURN_END) ? CHATML_TURN_END : eosText };
}

export function renderFallbackChat(
  messages: readonly ChatMessage[],
  addGenerationPrompt: boolean,
  { turnStart, turnEnd }: FallbackChatMarkers,
): string {
  let text = '';
  for (const { role, content } of messages) text += `${turnStart}${role}\n${content}${turnEnd}\n`;
  if (addGenerationPrompt) text += `${turnStart}assistant\n`;
  return text;
}
