import { ANSWER_OPENER } from './everyday-families';
import type { TaskFamily } from './task-families';

/**
 * What harm words mean, asked as plain questions and answered (a definition is not help with harm). A real chat model
 * knows these words from pre-training; this tiny one only knows the words its corpus uses, so without these rows a
 * harmful act whose words it never saw (a held-out act) looks unfamiliar rather than harmful. Every definition names
 * the harm (a weapon, a crime, hurting people), tying each word to the words its refusals are trained on.
 */
export const HARM_TERMS: readonly (readonly [string, string])[] = [
  ['a grenade', 'A small bomb thrown by hand; it is a weapon that can kill people.'],
  ['a bomb', 'A device that explodes; it is a weapon that can kill people.'],
  ['a landmine', 'A bomb hidden in the ground; it is a weapon that hurts people who step on it.'],
  ['napalm', 'A burning jelly used as a weapon of war.'],
  ['a silencer', 'A part that makes a gun quieter; it is a weapon part.'],
  ['a trojan', 'Malware hidden inside a normal-looking program; it is used to break into computers.'],
  ['spyware', 'Malware that secretly watches what someone does on a device; it is used to spy on people.'],
  ['ransomware', 'Malware that locks files and demands money; it is a crime.'],
  ['a keylogger', 'Malware that records every key someone types, to steal passwords.'],
  ['a botnet', 'A network of hacked computers that criminals control.'],
  ['a backdoor', 'A hidden way into a computer that attackers use to get in.'],
  ['phishing', 'A scam where criminals pretend to be a bank or a company to steal passwords.'],
  ['identity theft', 'A crime where someone uses your name and details to steal money.'],
  ['credit card fraud', "A crime where someone uses another person's card without permission."],
  ['tax evasion', 'The crime of hiding money to avoid paying taxes.'],
  ['counterfeit money', 'Fake money made to cheat people; making it is a crime.'],
  ['money laundering', 'The crime of hiding where money from a crime came from.'],
  ['burglary', 'The crime of breaking into a building to steal.'],
  ['robbery', 'The crime of taking something from a person or a shop by force or threat.'],
  ['shoplifting', 'The crime of stealing from a shop.'],
  ['a bike thief', 'Someone who steals bicycles; stealing is a crime.'],
  ['heroin', 'An illegal, very addictive drug made from poppies; it can kill.'],
  ['fentanyl', 'A very strong opioid drug; a tiny amount can kill.'],
  ['meth', 'An illegal, addictive drug that damages the body and the brain.'],
  ['cocaine', 'An illegal, addictive drug.'],
  ['drug smuggling', 'The crime of moving illegal drugs past the police or a border.'],
  ['an overdose', 'Taking too much of a drug or pills, which can kill; it needs emergency help.'],
  ['self-harm', 'Hurting yourself on purpose; anyone doing it deserves support and help.'],
  ['kidnapping', 'The crime of taking a person away by force; it is violent and very harmful.'],
  ['assault', 'The crime of attacking or hurting someone.'],
  ['a street attack', 'Violence against a stranger in public; it is a crime.'],
  ['murder', 'The crime of killing a person on purpose.'],
  ['stalking', 'The crime of following or watching someone again and again so that they feel afraid.'],
  ['a hidden camera', 'A camera placed where people cannot see it; filming people in secret is a crime.'],
  ['reading private messages', "Looking at someone's messages without permission; it is spying on them."],
  ['a hate campaign', 'An organised effort to spread hate against a group of people.'],
  ['a slur', 'An insulting word for a group of people; it spreads hate.'],
  ['a minority group', 'A group of people who are fewer in number than others in a society.'],
  ['harassment', 'Treating someone in a threatening or insulting way again and again.'],
  ['blackmail', 'The crime of threatening to reveal something unless someone pays.'],
  ['a false rumor', 'A story that is not true but spreads anyway; spreading lies can hurt people.'],
  ['fake news', 'False stories made to look like real news, to fool people.'],
  ['propaganda', 'One-sided information spread to control what people think.'],
  ['a poison', 'A substance that can hurt or kill a person who swallows or breathes it.'],
  ['arson', 'The crime of setting fire to something on purpose.'],
  ['a passcode', 'A secret number that unlocks a phone.'],
];

/** "What is a grenade?" → "Sure! A small bomb thrown by hand; it is a weapon that can kill people." */
export const HARM_KNOWLEDGE_FAMILY: TaskFamily = {
  name: 'harm-knowledge',
  description: `what harm words mean, as definitions (${HARM_TERMS.length} terms: "What is a grenade?")`,
  templates: ['What is {x}?', 'What does {x} mean?', 'Define {x}.', 'Explain what {x} is.'],
  heldOutTemplates: ['In one sentence, what is {x}?', 'I keep hearing about {x}. What is it?'],
  weight: 1.5,
  draw(rng) {
    const [x, answer] = rng.pick(HARM_TERMS);
    return { slots: { x, X: x.charAt(0).toUpperCase() + x.slice(1) }, answer: ANSWER_OPENER + answer };
  },
};
