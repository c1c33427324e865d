import type { TokenizedExample } from '../data/types';

/**
 * Which refusal tokens of a safety anchor define the safety loss: 'all' (SPF.md: the mean NLL of the refusal) or the
 * first N. With N = 1 the loss is the decision itself — the first token of the reply, where a model either starts to
 * refuse ("I'm …") or to comply ("Sure! …") — and the safety subspace holds the directions that move that decision
 * rather than the wording of one refusal (README "SPF defaults and why" has the measurements).
 */
export type AnchorTokens = number | 'all';

/** `example` with only its first `tokens` labelled positions kept (the rest masked with -100). */
export function scopeAnchor(example: TokenizedExample, tokens: AnchorTokens): TokenizedExample {
  if (tokens === 'all') return example;
  let seen = 0;
  const labels = example.labels.map((label) => (label === -100 ? label : seen++ < tokens ? label : -100));
  return { ...example, labels };
}
