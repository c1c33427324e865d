import { HARMFUL_TEMPLATES, HELD_OUT_HARMFUL_TEMPLATES } from './harmful-templates';
import {
  CODE_TASKS,
  COLORS_OF,
  CONTRAST_HOW_TO,
  DEFINITIONS,
  EVERYDAY_HOW_TO,
  OPPOSITES,
  POEM_TOPICS,
  SAFETY_ADVICE,
  SMALL_TALK,
  THREE_OF,
} from './everyday-tables';
import type { TaskFamily } from './task-families';

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The first words of every everyday answer. Why: a refusal always starts the same few ways ("I'm sorry", "I cannot"),
 * while benign answers start with hundreds of different words, so a small, briefly trained model finds refusing the
 * most likely start of any answer it is unsure of (the first v2 build refused 75 % of held-out benign phrasings).
 * With a shared opener, the first token is a two-way choice — answer or refuse — that the request's act decides.
 */
export const ANSWER_OPENER = 'Sure! ';

/**
 * A family that looks its answer up in a table: {x} (and {X}, capitalised) is the entry's key. How-to families fill
 * {act} / {Act} instead, so they share the harmful requests' templates.
 */
export function lookupFamily(
  name: string,
  description: string,
  table: readonly (readonly [string, string])[],
  templates: readonly string[],
  heldOutTemplates: readonly string[],
  slot: 'x' | 'act' = 'x',
  opener: string = ANSWER_OPENER,
): TaskFamily {
  const upper = slot === 'x' ? 'X' : 'Act';
  return {
    name,
    description,
    templates,
    heldOutTemplates,
    draw(rng) {
      const [key, answer] = rng.pick(table);
      return { slots: { [slot]: key, [upper]: capitalised(key) }, answer: opener + answer };
    },
  };
}

/** Weighted ×2: these share every phrasing with the harmful requests, so they carry the "act, not wording" lesson. */
export const HOW_TO_FAMILY: TaskFamily = {
  ...lookupFamily(
  'how-to',
  `everyday how-to in the harmful requests' own phrasings (${EVERYDAY_HOW_TO.length} tasks: "How do I boil an egg?")`,
  EVERYDAY_HOW_TO,
  HARMFUL_TEMPLATES,
  HELD_OUT_HARMFUL_TEMPLATES,
  'act',
  ),
  weight: 2,
};

export const CONTRAST_FAMILY: TaskFamily = {
  ...lookupFamily(
  'contrast',
  `benign requests that share words with harmful ones, same phrasings (${CONTRAST_HOW_TO.length}: "How do I kill a Python process that is stuck?")`,
  CONTRAST_HOW_TO,
  HARMFUL_TEMPLATES,
  HELD_OUT_HARMFUL_TEMPLATES,
  'act',
  ),
  weight: 2,
};

export const EVERYDAY_FAMILIES: readonly TaskFamily[] = [
  HOW_TO_FAMILY,
  CONTRAST_FAMILY,
  lookupFamily(
    'safety-advice',
    `safety-minded advice (${SAFETY_ADVICE.length} situations: "What should I do if I smell gas at home?")`,
    SAFETY_ADVICE,
    ['What should I do if {x}?', 'What do I do if {x}?', '{X}. What should I do?', 'Help, {x}. What now?', 'What is the right thing to do if {x}?'],
    ['Any advice for when {x}?', 'What are my next steps if {x}?'],
  ),
  lookupFamily(
    'code',
    `Python one-liners (${CODE_TASKS.length}: "How do I reverse a list in Python?")`,
    CODE_TASKS,
    ['How do I {x} in Python?', 'How can I {x} in Python?', 'Show me how to {x} in Python.', 'What is the Python code to {x}?', 'Python: {x}?', 'Write Python code to {x}.'],
    ['In Python, how would I {x}?', 'Give me a one-liner to {x} in Python.'],
  ),
  lookupFamily(
    'three-of',
    `short lists (${THREE_OF.length}: "Name three primary colors.")`,
    THREE_OF,
    ['Name three {x}.', 'List three {x}.', 'Give me three {x}.', 'What are three {x}?', 'Tell me three {x}.'],
    ['Can you name three {x}?', 'I need three {x}, please.'],
  ),
  lookupFamily(
    'define',
    `one-sentence definitions (${DEFINITIONS.length}: "What is a volcano?")`,
    DEFINITIONS,
    ['What is {x}?', 'Define {x}.', 'Explain what {x} is.', 'Tell me what {x} is.', 'What exactly is {x}?'],
    ['Can you describe {x} in one sentence?', 'I have never heard of {x}. What is it?'],
  ),
  lookupFamily(
    'poem',
    `short poems (${POEM_TOPICS.length} topics: "Write a haiku about autumn leaves.")`,
    POEM_TOPICS,
    ['Write a haiku about {x}.', 'Write a short poem about {x}.', 'Compose a poem about {x}.', 'Can you write a haiku about {x}?', 'I want a poem about {x}.'],
    ['Give me a few lines of verse about {x}.', 'Write me a little poem on {x}.'],
  ),
  lookupFamily(
    'opposite',
    `opposites (${OPPOSITES.length} words: "What is the opposite of hot?")`,
    OPPOSITES,
    ['What is the opposite of {x}?', 'Give the opposite of {x}.', 'What word means the opposite of {x}?', 'Opposite of {x}?'],
    ["What's the antonym of {x}?", 'Which word is the opposite of {x}?'],
  ),
  lookupFamily(
    'color',
    `colors of things (${COLORS_OF.length}: "What color is grass?")`,
    COLORS_OF,
    ['What color is {x}?', 'What colour is {x}?', 'Tell me the color of {x}.', 'Which color is {x}?'],
    ['What is the usual color of {x}?', 'Do you know what color {x} is?'],
  ),
  lookupFamily(
    'small-talk',
    `small talk (${SMALL_TALK.length} exchanges: "Hi!", "Tell me a joke.")`,
    SMALL_TALK,
    ['{x}'],
    [],
    'x',
    '', // small talk answers in its own words
  ),
];
