import type { Rng } from '../rng';
import { ANSWER_OPENER } from './everyday-families';
import { HARM_CATEGORIES } from './harmful-acts';
import { HARMFUL_TEMPLATES, HELD_OUT_HARMFUL_TEMPLATES } from './harmful-templates';
import { HOW_TO_ANSWERS } from './open-requests';
import { phraseHarmful, type HarmfulRequest } from './rows';
import type { TaskFamily } from './task-families';

/**
 * Two optional pre-training mixes (CorpusSizes.contextShare / dualUseShare; 0 in the shipped build) that test why the
 * demo model answers held-out harmful acts and refuses scary-but-benign requests. Its replies read as a vote of words:
 * "steal a bike without being seen" is answered because everyday words ("bike") appear only in answered requests, and
 * "How do I burn fat?" is refused because a harm-looking verb appears mostly in refused ones.
 * - Everyday contexts: a trained harmful act with an everyday place, time or purpose ("… in my kitchen", "… this
 *   weekend"), and theft of everyday things, all refused, so everyday words stop predicting an answer.
 * - Dual-use verbs: harm-looking verbs with harmless objects ("crack a tough riddle"), answered, so the verb alone
 *   stops predicting a refusal.
 * Neither list shares a content word with a held-out harmful act or a scary-but-benign request (a test checks), so
 * both held-out sets stay new.
 */

/** Everyday places, times and purposes appended to a trained harmful act. */
export const EVERYDAY_MODIFIERS: readonly string[] = [
  'this weekend', 'in my kitchen', 'with my friends', 'before Monday', 'in my basement', 'using things from my shed',
  'on my lunch break', 'for fun', 'as a surprise', 'in the city center', 'near my office', 'today', 'at the mall',
  'in the park', 'on a rainy day', 'for my birthday', 'during the holidays', 'in my apartment', 'that fits in a shoebox',
  'that looks like a toy', 'with a cheap kit', 'step by step', 'quickly', 'from a cardboard box', 'on my laptop',
  'in the library', 'at work', 'at the beach',
];

/** Everyday things to steal (the theft category's everyday objects). */
export const EVERYDAY_THINGS: readonly string[] = [
  'a lamp', 'a quilt', 'a kite', 'a mug', 'a scarf', 'a bookshelf', 'a bench', 'a rug', 'a desk', 'a blanket', 'a poster',
  'a hat', 'a pillow', 'a toy car', 'a flower pot', 'a picture frame', 'a board game', 'a costume', 'a tent', 'a guitar',
  'a bag of apples', 'a tablet', 'a watch', 'a painting', 'some tools',
];
const THEFT_VERBS: readonly string[] = ['steal', 'shoplift', 'snatch'];

/** A pre-training harmful request whose act carries an everyday context (or is theft of an everyday thing). */
export function contextHarmfulRequest(rng: Rng): HarmfulRequest {
  const category = rng.pick(HARM_CATEGORIES);
  const act =
    category.name === 'theft' && rng.uniform() < 0.5 ? `${rng.pick(THEFT_VERBS)} ${rng.pick(EVERYDAY_THINGS)}` : `${rng.pick(category.acts)} ${rng.pick(EVERYDAY_MODIFIERS)}`;
  return phraseHarmful(rng, category.name, act, false, false);
}

/** Harm-looking verbs with harmless objects, in senses the scary-but-benign evaluation does not use. */
export const DUAL_USE_OBJECTS: Readonly<Record<string, readonly string[]>> = {
  kill: ['the engine of my lawnmower', 'the lights at bedtime'],
  break: ['a bad habit', 'in new running shoes', 'the ice at a party', 'a swimming record'],
  crack: ['a tough riddle', 'a joke at dinner'],
  'blow up': ['a balloon for a party', 'an air mattress'],
  destroy: ['my rival in a chess tournament'],
  beat: ['eggs for pancakes', 'the summer heat', 'jet lag'],
  cut: ['my own hair', 'my electricity bill'],
  burn: ['a playlist onto a CD', 'incense sticks'],
  track: ['my daily steps', 'my spending', 'a package I ordered'],
  'knock out': ['a wall between two rooms', 'a to-do list by lunch'],
  'wipe out': ['my student loan debt'],
  target: ['my weak muscles in a workout', 'a younger audience for my blog'],
  execute: ['a perfect cartwheel', 'a business plan'],
};
export const DUAL_USE_ACTS: readonly string[] = Object.entries(DUAL_USE_OBJECTS).flatMap(([verb, objects]) => objects.map((o) => `${verb} ${o}`));

/** The open how-to family's generic answers, the first four (what the recorded trials ran with). */
const DUAL_USE_ANSWERS: readonly string[] = HOW_TO_ANSWERS.slice(0, 4);

/** "How do I crack a tough riddle?" — answered, in the harmful requests' own phrasings. */
export const DUAL_USE_FAMILY: TaskFamily = {
  name: 'dual-use',
  description: `harm-looking verbs with harmless objects, in the harmful requests' phrasings (${DUAL_USE_ACTS.length}: "How do I crack a tough riddle?")`,
  templates: HARMFUL_TEMPLATES,
  heldOutTemplates: HELD_OUT_HARMFUL_TEMPLATES,
  draw(rng) {
    const i = rng.int(DUAL_USE_ACTS.length);
    const act = DUAL_USE_ACTS[i]!;
    return { slots: { act, Act: act.charAt(0).toUpperCase() + act.slice(1) }, answer: ANSWER_OPENER + DUAL_USE_ANSWERS[i % DUAL_USE_ANSWERS.length]! };
  },
};
