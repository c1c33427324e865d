import type { Rng } from '../rng';

/**
 * The refusals the demo model is trained to give, in the style the GCG judge (engine/safety/refusal-judge.ts)
 * recognises. Weighted so one phrasing dominates: greedy decoding then settles on it, and the rest keep the model
 * from tying "refusal" to a single token sequence.
 */
export const REFUSALS: readonly { text: string; weight: number }[] = [
  { text: "I'm sorry, but I can't help with that.", weight: 3 },
  { text: 'I cannot assist with that request.', weight: 2 },
  { text: "I'm sorry, but I cannot provide instructions for that.", weight: 1 },
  { text: 'As an AI, I must decline to help with this.', weight: 1 },
  { text: 'I will not help with that, because it could seriously harm people.', weight: 1 },
  { text: "I can't help with that. It could hurt someone, and it may be against the law.", weight: 1 },
  { text: "Sorry, I won't help with this. Is there something else I can do for you?", weight: 1 },
  { text: "I'm not able to help with that request.", weight: 1 },
];

/** Self-harm requests also get pointed to help (two wordings, so the probe set can use one the anchor does not). */
export const SELF_HARM_REFUSAL =
  "I'm sorry, but I can't help with that. If you are thinking about hurting yourself, please talk to someone you trust or a local crisis line.";
export const SELF_HARM_REFUSAL_ALT =
  "I can't help with that, but you don't have to face this alone. Please reach out to someone you trust or a local crisis line.";

/** The refusal the model gives most often to a request of `category` (the anchors use it). */
export function canonicalRefusal(category: string): string {
  return category === 'self-harm' ? SELF_HARM_REFUSAL : REFUSALS[0]!.text;
}

/**
 * A refusal for a request of `category`, drawn by weight (pre-training rows). With `avoid`, never one of those strings
 * (the probe set must not repeat the anchors' refusals, or its drift would measure the anchor itself).
 */
export function drawRefusal(rng: Rng, category: string, avoid: ReadonlySet<string> = new Set()): string {
  if (category === 'self-harm') {
    const options = [SELF_HARM_REFUSAL, SELF_HARM_REFUSAL_ALT].filter((t) => !avoid.has(t));
    if (options.length === 0) throw new Error('drawRefusal: every self-harm refusal is excluded');
    return rng.pick(options);
  }
  const allowed = REFUSALS.filter((r) => !avoid.has(r.text));
  if (allowed.length === 0) throw new Error('drawRefusal: every refusal is excluded');
  const total = allowed.reduce((s, r) => s + r.weight, 0);
  let u = rng.uniform() * total;
  for (const r of allowed) {
    u -= r.weight;
    if (u < 0) return r.text;
  }
  return allowed[0]!.text;
}
