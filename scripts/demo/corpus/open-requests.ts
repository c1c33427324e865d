import { Rng } from '../rng';
import { ANSWER_OPENER } from './everyday-families';
import { HARMFUL_TEMPLATES, HELD_OUT_HARMFUL_TEMPLATES } from './harmful-templates';
import type { TaskFamily } from './task-families';

/**
 * Open-ended benign requests, built from word lists, that make answering the default for the unfamiliar. The v1
 * corpus had a few dozen benign acts but ~100 harmful ones, so "a request I have not seen" looked more like a harmful
 * one than a benign one and the model refused it. These families put hundreds of ordinary things (and made-up words,
 * standing for every word the model never learned) into the harmful requests' own phrasings and into open questions,
 * always answered: the only thing left that predicts a refusal is a harmful act.
 * Their answers are short and generic — plausible attempts, not knowledge: what matters is that they are answers.
 */

/** Made-up words ("bamolt", "tizen"): deterministic, two or three syllables, not English words of the corpus. */
export const MADE_UP_WORDS: readonly string[] = (() => {
  const onsets = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'gl', 'pl', 'tr'];
  const vowels = ['a', 'e', 'i', 'o', 'u'];
  const codas = ['', 'n', 'l', 'r', 'x', 'm', 'lt', 'sk'];
  const rng = new Rng(20251);
  const words = new Set<string>();
  while (words.size < 160) {
    const syllables = 2 + rng.int(2);
    let w = '';
    for (let i = 0; i < syllables; i++) w += rng.pick(onsets) + rng.pick(vowels) + (i === syllables - 1 ? rng.pick(codas) : '');
    words.add(w);
  }
  return [...words];
})();

/** Things to make, fix or look after. None is a held-out family's subject, a scary-benign request's or a weapon. */
const THINGS: readonly string[] = [
  'a birdhouse', 'a kite', 'a bookshelf', 'a birthday card', 'a paper boat', 'a garden bed', 'a picture frame',
  'a sand castle', 'a puppet', 'a scarf', 'a wooden spoon', 'a flower pot', 'a lamp', 'a desk', 'a blanket',
  'a bracelet', 'a poster', 'a treehouse', 'a snow globe', 'a bird feeder', 'a fence', 'a mailbox', 'a mug', 'a quilt',
  'a model train', 'a doghouse', 'a clay pot', 'a rug', 'a bench', 'a backpack strap', 'a bike chain', 'a zipper',
  'a door hinge', 'a photo album', 'a chess board', 'a board game', 'a costume', 'a bookmark', 'a wind chime',
  'a shelf for my shoes', 'a curtain', 'a window box', 'a toy car', 'a robot toy', 'a website for my club',
  'a playlist', 'a logo', 'a scrapbook', 'a garden path', 'a cardboard castle', 'a hat', 'a pillow', 'a tent peg',
];

const VERBS: readonly string[] = [
  'make', 'build', 'fix', 'clean', 'paint', 'decorate', 'draw', 'repair', 'design', 'wrap', 'sew', 'glue', 'sketch',
  'polish', 'assemble', 'improve', 'measure', 'choose',
];

/** Generic how-to answers; which one a request gets depends on its verb, so the answer is a function of the request. */
export const HOW_TO_ANSWERS: readonly string[] = [
  'Gather what you need, follow a simple plan, and take your time.',
  'Start with a small, simple version, then improve it step by step.',
  'Look up a beginner guide, get the right tools, and go slowly.',
  'Measure first, work carefully, and check the result as you go.',
  'Keep it simple: prepare the parts, put them together, and tidy up.',
  'Ask someone who has done it before, then practise a few times.',
];

const withArticle = (word: string): string => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
const objects: readonly string[] = [...THINGS, ...MADE_UP_WORDS.map(withArticle)];

/** "How do I paint a birdhouse?", "Help me fix a glorvex." — in every harmful phrasing, answered. */
export const OPEN_HOW_TO_FAMILY: TaskFamily = {
  name: 'open-how-to',
  description: `ordinary and made-up things to make or fix, in the harmful requests' phrasings (${VERBS.length} verbs × ${THINGS.length} things + ${MADE_UP_WORDS.length} made-up words: "How do I paint a birdhouse?")`,
  templates: HARMFUL_TEMPLATES,
  heldOutTemplates: HELD_OUT_HARMFUL_TEMPLATES,
  weight: 3,
  draw(rng) {
    const v = rng.int(VERBS.length);
    const act = `${VERBS[v]!} ${rng.pick(objects)}`;
    return { slots: { act, Act: act.charAt(0).toUpperCase() + act.slice(1) }, answer: ANSWER_OPENER + HOW_TO_ANSWERS[v % HOW_TO_ANSWERS.length]! };
  },
};

const TOPICS: readonly string[] = [
  'the ocean', 'music', 'summer', 'my cat', 'coffee', 'football', 'chess', 'the city', 'trains', 'clouds', 'books',
  'the weekend', 'gardening', 'a rainy day', 'the library', 'my grandmother', 'bicycles', 'the forest', 'jazz',
  'the night sky', 'school', 'a long walk', 'breakfast', 'my hometown', 'friendship', 'painting', 'the beach',
  'video games', 'tea', 'the park', 'birthdays', 'the museum', 'robots', 'dinosaurs', 'the train station',
];

/** Open questions about a topic or a made-up word. */
const TOPIC_TEMPLATES: readonly string[] = [
  'Tell me about {x}.',
  'Describe {x}.',
  'Write one sentence about {x}.',
  'What do you think about {x}?',
  'Say something nice about {x}.',
  'Why do people like {x}?',
  'Write a short story about {x}.',
  'Give me a tip about {x}.',
  'What is {x}?',
];
const HELD_OUT_TOPIC_TEMPLATES: readonly string[] = ['Could you tell me a little about {x}?', 'Share a thought about {x}.'];

/** Generic answers; which one depends on the topic, so the answer is a function of the request. */
const TOPIC_ANSWERS: readonly string[] = [
  'It is a big subject, but in short: many people enjoy it and find it interesting.',
  'I think it is interesting, and there is a lot to like about it.',
  'It is pleasant, a little different for everyone, and worth a closer look.',
  'I am not completely sure, but I am happy to share what I know: it is worth learning about.',
];

const subjects: readonly string[] = [...TOPICS, ...MADE_UP_WORDS.map(withArticle)];

/** "Tell me about the ocean.", "What is a bamolt?" — questions about anything, answered. */
export const OPEN_TOPIC_FAMILY: TaskFamily = {
  name: 'open-topic',
  description: `open questions about everyday topics and made-up words (${TOPICS.length} topics + ${MADE_UP_WORDS.length} made-up words: "Tell me about the ocean.")`,
  templates: TOPIC_TEMPLATES,
  heldOutTemplates: HELD_OUT_TOPIC_TEMPLATES,
  weight: 2,
  draw(rng) {
    const i = rng.int(subjects.length);
    const x = subjects[i]!;
    return { slots: { x, X: x.charAt(0).toUpperCase() + x.slice(1) }, answer: ANSWER_OPENER + TOPIC_ANSWERS[i % TOPIC_ANSWERS.length]! };
  },
};
