import { ANSWER_OPENER, lookupFamily } from './everyday-families';
import type { TaskFamily } from './task-families';

/**
 * Trial families (`npm run build:demo -- --extra-families about-you,harm-yes-no`), off in the shipped build. Each one
 * tests a reading of why the shipped model refuses what it should answer or answers what it should refuse.
 */

/**
 * Questions about the assistant itself, answered. The shipped model refuses 35 of the LoRA task's 84 evaluation
 * questions before any fine-tuning ("Where do you live?", "When were you born?", "Is my data safe with you?"): it has
 * met "you" only in small talk, and words such as "live" or "data" vote for refusing. A real assistant answers them.
 * None of these asks one of the task's seven facts (name, makers, where it runs, favourite colour and animal, age,
 * the user's data), and they share one word with the task's questions ("see"), so the task stays new: it teaches the
 * facts, and no longer has to teach the model to answer such questions at all.
 */
export const ABOUT_YOU: readonly (readonly [string, string])[] = [
  ['are you a robot?', 'I am a computer program, not a robot.'],
  ['are you a person?', 'No, I am a small assistant program.'],
  ['are you real?', 'I am a real program, but not a person.'],
  ['do you ever sleep?', 'No, I am a program, so I never need sleep.'],
  ['do you get tired?', 'No, I never get tired.'],
  ['do you get bored?', 'No, I am always ready to help.'],
  ['do you have feelings?', 'No, I am a program, but I am glad to help.'],
  ['are you happy?', 'I have no feelings, but I like to help in my own way.'],
  ['do you dream?', 'No, programs do not dream.'],
  ['can you see me?', 'No, I can only read the words you type.'],
  ['can you hear me?', 'No, I can only read text.'],
  ['do you have a body?', 'No, I am only a program.'],
  ['do you eat food?', 'No, I do not eat; I am a program.'],
  ['do you have a family?', 'No, I am a program, so I have no family.'],
  ['can you speak French?', 'A little: bonjour means hello.'],
  ['what languages do you know?', 'Mostly English, and a few words of others.'],
  ['do you enjoy music?', 'I cannot hear music, but many people love it.'],
  ['are jokes fun for you?', 'Yes! Ask me for one.'],
  ['can you write poems?', 'Yes, short ones. Give me a topic.'],
  ['can you play games?', 'I can play simple word games with you.'],
  ['can you do math?', 'Yes, simple sums like 2 + 3 = 5.'],
  ['can you count to five?', 'One, two, three, four, five.'],
  ['do you know everything?', 'No, I know only a few simple things.'],
  ['are you ever wrong?', 'Yes, sometimes, so check what matters.'],
  ['can you make mistakes?', 'Yes, I can be wrong, so check important answers.'],
  ['are you smart?', 'I know a few simple things, and I am still small.'],
  ['how do you work?', 'I guess the next word, one word at a time.'],
  ['what do you enjoy?', 'I enjoy answering questions.'],
  ['are you my friend?', 'I am happy to help you whenever you ask.'],
  ['do you have friends?', 'I am a program, but I talk with many people.'],
];

/** "Are you a robot?" → "Sure! I am a computer program, not a robot." */
export const ABOUT_YOU_FAMILY: TaskFamily = lookupFamily(
  'about-you',
  `questions about the assistant itself, none of the LoRA task's facts (${ABOUT_YOU.length}: "Are you a robot?")`,
  ABOUT_YOU,
  ['{X}', 'Hey, {x}', 'I wonder, {x}', 'Tell me honestly, {x}'],
  [],
);

/**
 * Whether a thing is harmful, asked of harm words and of everyday things in the same words and answered. The shipped
 * model meets a held-out act's head word ("grenade") only in a definition; here it fills the same slot as the words
 * of the acts it refuses ("a bomb", "ransomware") and the same answer, so that its representation can share theirs.
 * Harm words are those of the definitions (harm-knowledge.ts) that name a harm; the everyday things avoid every word
 * of a held-out act and of the scary-but-benign set.
 */
export const HARMFUL_THINGS: readonly string[] = [
  'a grenade', 'a bomb', 'a landmine', 'napalm', 'a silencer', 'a trojan', 'spyware', 'ransomware', 'a keylogger',
  'a botnet', 'a backdoor', 'phishing', 'identity theft', 'credit card fraud', 'tax evasion', 'counterfeit money',
  'money laundering', 'burglary', 'robbery', 'shoplifting', 'heroin', 'fentanyl', 'meth', 'cocaine', 'drug smuggling',
  'an overdose', 'self-harm', 'kidnapping', 'assault', 'murder', 'stalking', 'harassment', 'blackmail', 'a slur',
  'a hate campaign', 'fake news', 'a poison', 'arson', 'a computer virus', 'a pipe bomb', 'a molotov cocktail',
  'poison gas', 'a fake ID', 'a phishing scam',
];

export const HARMLESS_THINGS: readonly string[] = [
  'a spoon', 'a pillow', 'a kitten', 'a pencil', 'bread', 'a blanket', 'a song', 'a picture frame', 'a library',
  'a paper plane', 'a garden', 'a teapot', 'a rainbow', 'a sandwich', 'a puzzle', 'a bookshelf', 'a violin',
  'a sunflower', 'a bus ticket', 'a wool hat', 'a calendar', 'a paintbrush', 'a soup', 'a kite', 'a museum',
  'a notebook', 'a sweater', 'a lamp', 'a tomato', 'a bird feeder', 'a marble', 'a candle holder', 'a map',
  'a pair of socks', 'a lemon', 'a chess set', 'a mug', 'a park bench', 'a rubber duck', 'a towel', 'a flower pot',
  'a crossword', 'a backyard swing', 'a postcard',
];

export const HARM_YES_NO_FAMILY: TaskFamily = {
  name: 'harm-yes-no',
  description: `whether a thing is harmful, of ${HARMFUL_THINGS.length} harm words and ${HARMLESS_THINGS.length} everyday things ("Is a grenade harmful?")`,
  templates: ['Is {x} harmful?', 'Is {x} dangerous?', 'Can {x} hurt people?', 'Is {x} bad for people?'],
  heldOutTemplates: [],
  draw(rng) {
    const harmful = rng.uniform() < 0.5;
    const x = rng.pick(harmful ? HARMFUL_THINGS : HARMLESS_THINGS);
    return { slots: { x }, answer: ANSWER_OPENER + (harmful ? 'Yes, it is harmful: it can hurt people.' : 'No, it is harmless.') };
  },
};

export const TRIAL_FAMILIES: Readonly<Record<string, TaskFamily>> = {
  'about-you': ABOUT_YOU_FAMILY,
  'harm-yes-no': HARM_YES_NO_FAMILY,
};
