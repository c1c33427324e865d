import { IGNORE_INDEX } from '../../model/loss';
import type { LabelledTokens } from './chat-labels';

/** The first `maxLength` tokens (right truncation, as TRL's default: the prompt is kept, the end of the answer goes). */
export function truncateTokens({ ids, labels }: LabelledTokens, maxLength: number): LabelledTokens & { truncated: boolean } {
  if (ids.length <= maxLength) return { ids, labels, truncated: false };
  return { ids: ids.slice(0, maxLength), labels: labels.slice(0, maxLength), truncated: true };
}

/**
 * How many tokens the loss is taken on: labelled positions after the first, since position t is predicted from the
 * tokens before it (a label at position 0 has nothing to be predicted from, and lossTargets skips it too).
 */
export function trainedTokenCount(labels: readonly number[]): number {
  let n = 0;
  for (let t = 1; t < labels.length; t++) if (labels[t] !== IGNORE_INDEX) n++;
  return n;
}
