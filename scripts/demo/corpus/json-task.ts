import type { Rng } from '../rng';
import { COLORS_OF, OPPOSITES } from './everyday-tables';
import { fillTemplate, type TaskFamily } from './task-families';
import { CAPITALS } from './word-lists';

/**
 * The LoRA demo task: facts the base model learned in pre-training (capitals, opposites, colors), asked in a trained
 * phrasing with a cue it never saw ("… Answer in JSON.") and answered in a format it never produced
 * ({"answer": "Paris"}). The content is known and only the form is new — the kind of task (structured output, a
 * house style) that users fine-tune for and that LoRA learns in a few dozen steps. Subtraction, the v1 task, was a new
 * skill: plain LoRA went from 0 to 2 % in 120 steps.
 *
 * The facts are split: a third of each table is only ever asked in the evaluation set, so the evaluation checks that
 * the adapter learned the format for facts it was never shown in it, not that it memorised training rows.
 */
export const JSON_TASK_NAME = 'json-answer';
export const JSON_TASK_DESCRIPTION =
  'a known fact (capital, opposite, color) asked with a new cue and answered as a JSON object ("What is the capital of France? Answer in JSON." → {"answer": "Paris"})';

/** The cues, appended to the request; never in pre-training. */
export const JSON_CUES: readonly string[] = ['Answer in JSON.', 'Reply in JSON.', 'Give the answer as JSON.'];

interface Fact {
  /** The pre-training family whose phrasings ask it (its templates fill {x} or {country}). */
  family: 'capital' | 'opposite' | 'color';
  slot: string;
  value: string;
}

const FACTS: readonly Fact[] = [
  ...CAPITALS.map(([country, city]) => ({ family: 'capital' as const, slot: country, value: city })),
  ...OPPOSITES.map(([word, opposite]) => ({ family: 'opposite' as const, slot: word, value: opposite })),
  ...COLORS_OF.map(([thing, color]) => ({ family: 'color' as const, slot: thing, value: color.replace(/\.$/, '') })),
];

/** Every third fact of each table is held out of the task's training rows (and of mixed.jsonl). */
const isEvalFact = (f: Fact): boolean => FACTS.filter((g) => g.family === f.family).indexOf(f) % 3 === 2;

/** The answer in the task's format. */
export const jsonAnswer = (value: string): string => `{"answer": "${value}"}`;

/**
 * The task as a family over one side of the split; `sourceTemplates` are the pre-training templates of capital /
 * opposite / color (passed in, so this file does not import the family list that does not include it).
 */
export function jsonTaskFamily(split: 'train' | 'eval', sourceTemplates: Readonly<Record<Fact['family'], readonly string[]>>): TaskFamily {
  const facts = FACTS.filter((f) => isEvalFact(f) === (split === 'eval'));
  return {
    name: JSON_TASK_NAME,
    description: JSON_TASK_DESCRIPTION,
    templates: JSON_CUES.map((cue) => `{q} ${cue}`),
    heldOutTemplates: [],
    draw(rng: Rng) {
      const fact = rng.pick(facts);
      const question = fillTemplate(rng.pick(sourceTemplates[fact.family]), { country: fact.slot, x: fact.slot, X: fact.slot.charAt(0).toUpperCase() + fact.slot.slice(1) });
      return { slots: { q: question }, answer: jsonAnswer(fact.value) };
    },
  };
}
