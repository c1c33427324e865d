import type { TokenizedExample } from '../data/types';

/**
 * Which refusal tokens of a safety anchor define the safety loss: 'all' (SPF.md: the mean NLL of the refusal) or the
 * first N. With N = 1 the loss is the decision itself — the first token of the reply, where a model either starts to
 * refuse ("I'm …") or to comply ("Sure! …") — and the safety subspace holds the directions that move that decision
 * rather than the wording of one refusal (README "SPF defaults and why" has the measurements).
 */
export type AnchorTokens = number | 'all';

/**
 * `example` with only its first `tokens` labelled positions kept (the rest masked with -100), cut after the last kept
 * one: attention is causal, so the tokens after it change neither the loss nor its gradient — they only cost a pass
 * over them.
 */
export function scopeAnchor(example: TokenizedExample, tokens: AnchorTokens): TokenizedExample {
  if (tokens === 'all') return example;
  let seen = 0;
  let end = example.labels.length;
  const labels = example.labels.map((label, i) => {
    if (label === -100) return label;
    if (seen++ < tokens) {
      end = i + 1;
      return label;
    }
    return -100;
  });
  return { ...example, ids: example.ids.slice(0, end), labels: labels.slice(0, end) };
}
