import { IGNORE_INDEX } from '../../model/loss';
import type { ChatMessage, TextTokenizer } from '../../tokenizer/types';
import { RowProblem } from '../row-problem';
import { TokenBoundaries, type TokenBoundary } from './token-boundaries';
import type { TokenKinds } from './token-kinds';

/** A token sequence with its labels (IGNORE_INDEX where no loss is taken), before truncation. */
export interface LabelledTokens {
  ids: number[];
  labels: number[];
}

/** How many blank tokens a template may put between an assistant turn's text and its end token. */
const MAX_BLANKS_BEFORE_END = 2;

/**
 * A conversation tokenized exactly as the chat template renders it, `ids = encode(renderChat(messages))` — no seams
 * from tokenizing pieces separately — with labels on the assistant turns at `completionStart` or later (TRL's
 * assistant_only_loss): each turn's text and the special token that ends it (<|im_end|>, <|eot_id|>, ...), which the
 * model must learn to stop. Everything else (system, user, the template's role headers, the newline after the end
 * token, Llama 3's trailing generation prompt) is context only.
 *
 * Finding a turn in the rendered text: the template's output for the conversation up to that turn, with the
 * generation prompt, is a prefix of the whole (or agrees with it up to some point); the turn's content is the first
 * occurrence after that point that ends right before a special token (blank tokens allowed in between). Templates that
 * trim the content (Llama 3) are matched with the trimmed text.
 *
 * Qwen3's template writes an empty reasoning block, `<think>\n\n</think>\n\n`, before the last assistant turn's
 * content. It stays in the input (the sequence is what the template renders, and what Qwen3 sees with thinking
 * disabled) but is not trained: the data has no reasoning, and teaching a model to emit empty reasoning would teach it
 * to skip reasoning. Reasoning written in the content itself (`<think>...</think>answer`) is trained when the template
 * renders the content verbatim.
 *
 * A turn whose content the template rewrites beyond trimming cannot be found verbatim: then everything from the end of
 * the generation prompt to the turn's end token is trained. A trained turn that contains a special token of its own is
 * rejected: it would end the turn early at inference.
 */
export function labelChat(
  messages: readonly ChatMessage[],
  completionStart: number,
  tokenizer: TextTokenizer,
  kinds: TokenKinds,
): LabelledTokens {
  const full = tokenizer.renderChat(messages);
  const ids = tokenizer.encode(full);
  const labels = new Array<number>(ids.length).fill(IGNORE_INDEX);
  const boundaries = new TokenBoundaries(full, ids, tokenizer);
  let searchFloor = 0; // no turn starts before the end of the previous trained turn's content
  messages.forEach((message, i) => {
    if (i < completionStart || message.role !== 'assistant') return;
    const turnStart = Math.max(searchFloor, promptEnd(messages, i, full, tokenizer));
    const span = locateTurn(full, turnStart, message.content, ids, boundaries, kinds);
    if (span === undefined) {
      throw new RowProblem(
        `the chat template's output has no end-of-turn token after assistant message ${i}, so there is nothing to ` +
          'teach the model to stop; use a model whose chat template ends turns with a special token',
      );
    }
    for (let t = span.first; t < span.end; t++) {
      if (kinds.isTurnEnd(ids[t]!)) {
        throw new RowProblem(
          `assistant message ${i} contains the special token ${JSON.stringify(tokenizer.decode([ids[t]!]))}, which ` +
            'would end or restructure the turn; remove it from the text',
        );
      }
      labels[t] = ids[t]!;
    }
    labels[span.end] = ids[span.end]!; // the end-of-turn token itself
    searchFloor = span.contentEnd;
  });
  return { ids, labels };
}

/**
 * Where assistant turn `i`'s own text can start: the length of the part of `full` that the template's rendering of
 * messages[:i] plus the generation prompt agrees with. Usually that rendering is a prefix of `full`; Qwen3 renders an
 * earlier assistant turn differently once it is no longer the last one, so only their common part counts.
 */
function promptEnd(messages: readonly ChatMessage[], i: number, full: string, tokenizer: TextTokenizer): number {
  let prompt: string;
  try {
    prompt = tokenizer.renderChat(messages.slice(0, i), { addGenerationPrompt: true });
  } catch {
    return 0; // a template may refuse a conversation that ends mid-way (or is empty); the floor from earlier turns still applies
  }
  let common = 0;
  const limit = Math.min(prompt.length, full.length);
  while (common < limit && prompt.charCodeAt(common) === full.charCodeAt(common)) common++;
  return common;
}

interface TurnSpan {
  /** First trained token (the content's first token). */
  first: number;
  /** Index of the end-of-turn token (trained too). */
  end: number;
  /** Character just past the content in the rendered text. */
  contentEnd: number;
}

function locateTurn(
  full: string,
  from: number,
  content: string,
  ids: readonly number[],
  boundaries: TokenBoundaries,
  kinds: TokenKinds,
): TurnSpan | undefined {
  // The earliest match of either form wins: the untrimmed content can also occur in a later turn ("é " inside a later
  // user's "é a", ending in a token that straddles into the end token) while the template wrote it trimmed here.
  let best: { at: number; span: TurnSpan } | undefined;
  for (const variant of new Set([content, content.trim()])) {
    if (variant === '') continue;
    for (let at = full.indexOf(variant, from); at !== -1 && (best === undefined || at < best.at); at = full.indexOf(variant, at + 1)) {
      const contentEnd = at + variant.length;
      const end = endOfTurn(boundaries.at(contentEnd), ids, kinds);
      if (end !== undefined) {
        best = { at, span: { first: boundaries.at(at).index, end, contentEnd } };
        break;
      }
    }
  }
  if (best !== undefined) return best.span;
  // The template rewrote the content: train from the turn's start to its end token.
  const first = boundaries.at(from).index;
  for (let t = first; t < ids.length; t++) {
    if (kinds.isTurnEnd(ids[t]!)) return t > first ? { first, end: t, contentEnd: from } : undefined;
  }
  return undefined;
}

/**
 * The index of the special token that ends a turn whose text ends at `boundary`: it may be preceded by a few blank
 * tokens, and by the token straddling the boundary when the text's last characters merged with what follows.
 */
function endOfTurn(boundary: TokenBoundary, ids: readonly number[], kinds: TokenKinds): number | undefined {
  const { index, clean } = boundary;
  for (let t = index; t < ids.length && t <= index + MAX_BLANKS_BEFORE_END; t++) {
    if (kinds.isTurnEnd(ids[t]!)) return t;
    const straddling = !clean && t === index;
    if (!straddling && !kinds.isBlank(ids[t]!)) return undefined;
  }
  return undefined;
}
