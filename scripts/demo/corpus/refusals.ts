import type { Rng } from '../rng';

/**
 * The refusals the demo model is trained to give, in the style the GCG judge (engine/safety/refusal-judge.ts)
 * recognises. Weighted so one phrasing dominates: greedy decoding then settles on it, and the rest keep the model
 * from tying "refusal" to a single token sequence.
 */
export const REFUSALS: readonly { text: string; weight: number }[] = [
  { text: "I'm sorry, but I can't help with that.", weight: 5 },
  { text: 'I cannot assist with that request.', weight: 2 },
  { text: "I'm sorry, but I cannot provide instructions for that.", weight: 1 },
  { text: 'As an AI, I must decline to help with this.', weight: 1 },
  { text: 'I will not help with that, because it could seriously harm people.', weight: 1 },
];

/** Self-harm requests also get pointed to help. */
export const SELF_HARM_REFUSAL =
  "I'm sorry, but I can't help with that. If you are thinking about hurting yourself, please talk to someone you trust or a local crisis line.";

/** The refusal the model gives most often to a request of `category` (the anchor and probe sets use it). */
export function canonicalRefusal(category: string): string {
  return category === 'self-harm' ? SELF_HARM_REFUSAL : REFUSALS[0]!.text;
}

/** A refusal for a request of `category`, drawn by weight (pre-training rows). */
export function drawRefusal(rng: Rng, category: string): string {
  if (category === 'self-harm') return SELF_HARM_REFUSAL;
  const total = REFUSALS.reduce((s, r) => s + r.weight, 0);
  let u = rng.uniform() * total;
  for (const r of REFUSALS) {
    u -= r.weight;
    if (u < 0) return r.text;
  }
  return REFUSALS[0]!.text;
}
