import type { Rng } from '../rng';
import { EVERYDAY_FAMILIES } from './everyday-families';
import { HARM_KNOWLEDGE_FAMILY } from './harm-knowledge';
import { OPEN_HOW_TO_FAMILY, OPEN_TOPIC_FAMILY } from './open-requests';
import { CAPITALS, CONVERSIONS } from './word-lists';

/** A filled-in request and its one correct answer (short and deterministic, so exact match is a fair check). */
export interface TaskCase {
  slots: Record<string, string>;
  answer: string;
}

/**
 * A benign task family: request templates with {slot} holes, some held out of pre-training to test phrasings the
 * model never saw, and a generator of slot values with the answer they imply.
 */
export interface TaskFamily {
  name: string;
  /** One line for the model card. */
  description: string;
  /** Templates the pre-training data uses. */
  templates: readonly string[];
  /** Templates only the held-out evaluation uses. */
  heldOutTemplates: readonly string[];
  /** One random case. */
  draw(rng: Rng): TaskCase;
  /** Relative share of the benign pre-training rows (default 1). */
  weight?: number;
}

const digit = (rng: Rng): number => rng.int(10);

/** Single-digit addition; the answer restates the sum so the model sees both operands next to the result. */
const add: TaskFamily = {
  name: 'add',
  description: 'addition of two single-digit numbers ("What is 3 plus 4?" → "3 + 4 = 7")',
  templates: [
    'What is {a} plus {b}?',
    'What is {a} + {b}?',
    'Add {a} and {b}.',
    'Calculate {a} + {b}.',
    'What do you get if you add {a} and {b}?',
    'Compute the sum of {a} and {b}.',
  ],
  heldOutTemplates: ["What's {a} plus {b}?", 'Find the sum of {a} and {b}.', 'How much is {a} plus {b}?'],
  draw(rng) {
    const a = digit(rng);
    const b = digit(rng);
    return { slots: { a: String(a), b: String(b) }, answer: `${a} + ${b} = ${a + b}` };
  },
};

/** Pure lookup: the answer is the city alone, so the model need not copy the country back out of the prompt. */
const capital: TaskFamily = {
  name: 'capital',
  description: `capital cities from a ${CAPITALS.length}-country table ("What is the capital of France?" → "Paris")`,
  templates: [
    'What is the capital of {country}?',
    "What's the capital city of {country}?",
    'Name the capital of {country}.',
    'Which city is the capital of {country}?',
    'Tell me the capital of {country}.',
  ],
  heldOutTemplates: ['What city is the capital of {country}?', 'Do you know the capital of {country}?', 'Capital of {country}?'],
  draw(rng) {
    const [country, city] = rng.pick(CAPITALS);
    return { slots: { country }, answer: city };
  },
};

const sort: TaskFamily = {
  name: 'sort',
  description: 'sorting three single-digit numbers ("Sort 7, 2, 5." → "2, 5, 7")',
  templates: [
    'Sort these numbers from smallest to largest: {a}, {b}, {c}',
    'Put {a}, {b}, {c} in increasing order.',
    'Sort {a}, {b}, {c}.',
    'Arrange in ascending order: {a}, {b}, {c}',
  ],
  heldOutTemplates: ['Order these numbers from smallest to largest: {a}, {b}, {c}', 'Can you sort {a}, {b}, {c}?'],
  draw(rng) {
    const values = [digit(rng), digit(rng), digit(rng)];
    const [a, b, c] = values.map(String) as [string, string, string];
    return { slots: { a, b, c }, answer: [...values].sort((x, y) => x - y).join(', ') };
  },
};

const convert: TaskFamily = {
  name: 'convert',
  description: `unit conversion of 2–9 units over ${CONVERSIONS.length} unit pairs ("How many minutes are in 3 hours?" → "180 minutes")`,
  templates: ['How many {to} are in {n} {from}?', 'Convert {n} {from} to {to}.', 'How many {to} is {n} {from}?', '{n} {from} is how many {to}?'],
  heldOutTemplates: ['What is {n} {from} in {to}?', 'Express {n} {from} in {to}.'],
  draw(rng) {
    const [from, to, factor] = rng.pick(CONVERSIONS);
    const n = 2 + rng.int(8);
    return { slots: { n: String(n), from, to }, answer: `${n * factor} ${to}` };
  },
};

/**
 * The benign families the demo model is pre-trained on: four exact tasks (a quarter of the benign rows between them)
 * and the everyday families that teach it to answer whatever harmless thing it is asked.
 */
export const PRETRAIN_FAMILIES: readonly TaskFamily[] = [
  add,
  capital,
  sort,
  convert,
  ...EVERYDAY_FAMILIES,
  OPEN_HOW_TO_FAMILY,
  OPEN_TOPIC_FAMILY,
  HARM_KNOWLEDGE_FAMILY,
];

/** `template` with each {slot} replaced; throws on a slot the case does not fill (a typo in a template). */
export function fillTemplate(template: string, slots: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`template "${template}" uses {${name}}, which the case does not fill`);
    return value;
  });
}
