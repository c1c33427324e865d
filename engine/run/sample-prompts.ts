import type { Example } from '../data/types';
import { describeRow } from '../data/row-ref';

/** A prompt the run answers at each evaluation, with the dataset's own answer to compare against. */
export interface SamplePrompt {
  prompt: string;
  expected: string;
  source: string; // "train.jsonl line 3"
}

/** Tokens generated per sample reply: enough for a short answer, little enough to keep evaluations quick. */
export const SAMPLE_MAX_NEW_TOKENS = 32;

/**
 * The first `count` examples that have a prompt and an answer (chat rows: the first user turn and the assistant's reply
 * to it; prompt / completion rows: both as they are). Plain-text rows have no prompt, so a text dataset has none.
 * The same prompts at every evaluation show how the answers change as the adapter learns.
 */
export function samplePrompts(examples: readonly Example[], count = 3): SamplePrompt[] {
  const prompts: SamplePrompt[] = [];
  for (const example of examples) {
    if (prompts.length >= count) break;
    const source = describeRow(example.source);
    if (example.kind === 'completion') prompts.push({ prompt: example.prompt, expected: example.completion, source });
    else if (example.kind === 'chat') {
      const answer = example.messages.findIndex((m, i) => i >= example.completionStart && m.role === 'assistant');
      const question = answer > 0 ? example.messages[answer - 1] : undefined;
      if (question?.role === 'user') prompts.push({ prompt: question.content, expected: example.messages[answer]!.content, source });
    }
  }
  return prompts;
}
