import { IGNORE_INDEX } from '../../model/loss';
import type { TextTokenizer } from '../../tokenizer/types';
import type { LabelledTokens } from './chat-labels';
import { RowProblem } from '../row-problem';
import { TokenBoundaries } from './token-boundaries';
import type { TokenKinds } from './token-kinds';

/**
 * Plain text for language modelling: [BOS] + text + EOS, every token trained (BOS is context: nothing predicts it).
 * The EOS teaches the model where a document ends; BOS comes first only when the tokenizer would put it there.
 */
export function labelText(text: string, tokenizer: TextTokenizer, kinds: TokenKinds): LabelledTokens {
  const body = tokenizer.encode(text);
  const ids = withBosEos(body, kinds);
  const labels = ids.map((id, t) => (t === 0 && kinds.bos !== undefined ? IGNORE_INDEX : id));
  return { ids, labels };
}

/**
 * TRL's standard prompt-completion: [BOS] + encode(prompt + completion) + EOS, no chat template, loss on the
 * completion and the EOS. The joined text is encoded once (tokens may merge across the seam, exactly as at inference
 * on the same text); the first trained token is the first one not entirely inside the prompt.
 */
export function labelCompletion(prompt: string, completion: string, tokenizer: TextTokenizer, kinds: TokenKinds): LabelledTokens {
  const text = prompt + completion;
  const body = tokenizer.encode(text);
  const firstTrained = new TokenBoundaries(text, body, tokenizer).at(prompt.length).index;
  const ids = withBosEos(body, kinds);
  const offset = kinds.bos === undefined ? 0 : 1;
  const labels = ids.map((id, t) => (t >= firstTrained + offset ? id : IGNORE_INDEX));
  const special = body.slice(firstTrained).find((id) => kinds.isTurnEnd(id));
  if (special !== undefined) {
    throw new RowProblem(
      `the completion contains the special token ${JSON.stringify(tokenizer.decode([special]))}, which would end or ` +
        'restructure it; remove it from the text',
    );
  }
  return { ids, labels };
}

function withBosEos(body: readonly number[], kinds: TokenKinds): number[] {
  return [...(kinds.bos === undefined ? [] : [kinds.bos]), ...body, kinds.eos];
}
