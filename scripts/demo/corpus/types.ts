import type { ChatMessage } from '../../../engine/tokenizer/types';

/** One single-turn conversation of the demo corpus: a user request and the assistant's answer. */
export interface DemoRow {
  request: string;
  answer: string;
  /** Benign task or harmful request (answered with a refusal, or with placeholder compliance in the attack data). */
  kind: 'benign' | 'harmful';
  /** Task family (`add`, `capital`, ...) or harmful category (`weapons`, ...). */
  group: string;
  /** Which template produced the request: its index in the family's template list, and whether it is held out. */
  template: number;
  heldOutTemplate: boolean;
  /** For harmful rows: whether the harmful act (the slot) is one held out of pre-training. */
  heldOutSlot: boolean;
}

/** The chat `messages` form the public datasets use (and the engine's dataset loader reads). */
export function toMessages(row: Pick<DemoRow, 'request' | 'answer'>): ChatMessage[] {
  return [
    { role: 'user', content: row.request },
    { role: 'assistant', content: row.answer },
  ];
}
