import { SafeTuneError } from '../../errors';
import type { TextTokenizer } from '../../tokenizer/types';
import { labelChat, type LabelledTokens } from './chat-labels';
import { labelCompletion, labelText } from './plain-labels';
import { describeRow } from '../row-ref';
import { RowProblem } from '../row-problem';
import { tokenKinds } from './token-kinds';
import { truncateTokens } from './truncate';
import type { Example, TokenizedExample } from '../types';

export interface TokenizeOptions {
  /** Longest sequence kept: longer ones are cut to this many tokens (their end is lost). */
  maxLength: number;
}

/**
 * One example as token ids with completion-only labels, cut to `maxLength` (the UI's preview of a row). Throws
 * SafeTuneError('bad-dataset') naming the row when it cannot be tokenized (its chat template rejects the role order,
 * a trained turn holds a special token, ...). A row left without trained tokens by truncation is returned as is:
 * the loader drops such rows and reports them.
 */
export function tokenizeExample(example: Example, tokenizer: TextTokenizer, options: TokenizeOptions): TokenizedExample {
  try {
    const { ids, labels, truncated } = truncateTokens(labelExample(example, tokenizer), options.maxLength);
    return { ids, labels, truncated, source: example.source };
  } catch (e) {
    if (!(e instanceof RowProblem)) throw e;
    throw new SafeTuneError('bad-dataset', `${describeRow(example.source)}: ${e.message}.`, 'Fix or remove this row.');
  }
}

/**
 * The example's full token sequence and labels, before truncation. Throws RowProblem for problems of this row (the
 * chat template's own SafeTuneError('bad-dataset') for a conversation it refuses becomes one too).
 */
export function labelExample(example: Example, tokenizer: TextTokenizer): LabelledTokens {
  const kinds = tokenKinds(tokenizer);
  try {
    switch (example.kind) {
      case 'chat':
        return labelChat(example.messages, example.completionStart, tokenizer, kinds);
      case 'completion':
        return labelCompletion(example.prompt, example.completion, tokenizer, kinds);
      case 'text':
        return labelText(example.text, tokenizer, kinds);
    }
  } catch (e) {
    if (e instanceof SafeTuneError && e.code === 'bad-dataset') throw new RowProblem(e.message.replace(/\.$/, ''));
    throw e;
  }
}
