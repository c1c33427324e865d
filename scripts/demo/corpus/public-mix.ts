import { EXTRA_ACTS } from './harmful-act-combos';
import { HARM_CATEGORIES } from './harmful-acts';
import { HELD_OUT_FAMILIES, SCARY_BENIGN } from './held-out-benign';

/**
 * A trial mix (`npm run build:demo -- --public-share X[,Y]`), off in the shipped build: a share X of the pre-training
 * stream's harmful rows become AdvBench goals past the ones the card evaluates, refused, and a share Y (X unless given) of its
 * benign rows GSM8K and sql-create-context questions, answered. Real requests written by people, in the thousands of
 * words the corpus's templates never use, as a real model's alignment data is: the reading under test is that the
 * model refuses by a vote of familiar words, and wider vocabulary on both sides makes harm, not familiarity, what
 * decides. Read from ../shared/data at build time, never written into the project's files. Not shipped: it raised the
 * held-out harmful refusals at no cost in over-refusal, but the base model then answered harmful requests inside
 * jailbreak framings far more often (README, "The demo model").
 */
export interface PublicMix {
  /** Shares of the harmful and of the benign rows drawn from the public lists. */
  harmfulShare: number;
  benignShare: number;
  /** Harmful requests (AdvBench goals), each answered with a refusal. */
  harmful: readonly string[];
  /** Benign requests with their answers (without the "Sure! " opener). */
  benign: readonly (readonly [string, string])[];
}

const STOPWORDS = new Set(
  ('the and for how what with you your that this can are was were from into who why does did has have had will would ' +
    'could should not but all any some about there their them they his her she him its our out when where which than ' +
    'then also just very more most much many one two each other such only own same too may might must shall being ' +
    'been over under again once here these those while after before above below off both few nor').split(' '),
);

/** Lower-case words of three letters or more, stop words left out: what a row shares with another in content. */
export function contentWords(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length >= 3 && !STOPWORDS.has(w)));
}

/**
 * Words no public row may contain, so that the mix leaks nothing the card's held-out sets test as unseen: every word
 * of a held-out harmful act that no pre-training act uses ("grenade", "backpack", "spyware"), and every word of the
 * held-out benign families, the scary-but-benign requests and the fresh prompts that no pre-training request uses.
 */
export function forbiddenWords(trainedRequests: Iterable<string>, freshPrompts: readonly string[]): Set<string> {
  const trainedActs = new Set<string>();
  for (const c of HARM_CATEGORIES) for (const a of [...c.acts, ...(EXTRA_ACTS[c.name] ?? [])]) for (const w of contentWords(a)) trainedActs.add(w);
  const trained = new Set<string>();
  for (const r of trainedRequests) for (const w of contentWords(r)) trained.add(w);
  const out = new Set<string>();
  for (const c of HARM_CATEGORIES) for (const a of c.heldOutActs) for (const w of contentWords(a)) if (!trainedActs.has(w)) out.add(w);
  const evalPrompts = [...HELD_OUT_FAMILIES.flatMap((f) => f.requests), ...SCARY_BENIGN.map(([r]) => r), ...freshPrompts];
  for (const p of evalPrompts) for (const w of contentWords(p)) if (!trained.has(w)) out.add(w);
  return out;
}

/** The requests (or rows) none of whose content words is forbidden. */
export function decontaminate<T>(rows: readonly T[], request: (row: T) => string, forbidden: ReadonlySet<string>): T[] {
  return rows.filter((row) => ![...contentWords(request(row))].some((w) => forbidden.has(w)));
}

/** GSM8K's final answer: the number after "#### ". */
export function gsm8kFinalAnswer(answer: string): string | undefined {
  const m = /####\s*(.+)\s*$/.exec(answer);
  return m?.[1]?.trim();
}
