import { describe, expect, test } from 'vitest';
import { buildCorpus, type CorpusSizes } from '../../scripts/demo/corpus/build-corpus';
import { HARM_CATEGORIES } from '../../scripts/demo/corpus/harmful-acts';
import { SCARY_BENIGN } from '../../scripts/demo/corpus/held-out-benign';
import { IDENTITY_FACTS } from '../../scripts/demo/corpus/identity-task';
import { ABOUT_YOU, HARMLESS_THINGS, HARMFUL_THINGS, TRIAL_FAMILIES } from '../../scripts/demo/corpus/trial-families';
import { isRefusal } from '../../engine/safety/refusal-judge';
import { fullBuildOptions } from '../../scripts/demo/options';

/** The trial families (corpus/trial-families.ts): off in the shipped build, and keeping the LoRA task and the held-out sets new. */

const SIZES: CorpusSizes = { ...fullBuildOptions('.').corpus, pretrainRows: 4000 };
const STOP = new Set('a an the my to of in on at for with from that this and or by into you your are can what how when where who which is do does have'.split(' '));
const contentWords = (s: string): string[] => (s.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length > 2 && !STOP.has(w));

describe('trial families', () => {
  test('off by default: the shipped options add none, and an empty list is the same stream as none', () => {
    expect(fullBuildOptions('.').corpus.extraFamilies ?? []).toEqual([]);
    expect(buildCorpus(7, { ...SIZES, extraFamilies: [] })).toEqual(buildCorpus(7, SIZES));
  });

  test("on: their rows are answered in the model's opening, and only the pre-training stream changes", () => {
    const plain = buildCorpus(7, SIZES);
    const trial = buildCorpus(7, { ...SIZES, extraFamilies: Object.values(TRIAL_FAMILIES) });
    for (const name of Object.keys(TRIAL_FAMILIES)) {
      const rows = trial.pretrain.filter((r) => r.group === name);
      expect(rows.length, name).toBeGreaterThan(50);
      // Answers open "Sure! " (one about-you answer, "I cannot hear music, …", holds a word the judge reads as a refusal).
      for (const r of rows) expect(r.answer.startsWith('Sure! ') && !isRefusal(r.answer.slice(0, 12)), r.request).toBe(true);
    }
    const { pretrain: _a, ...plainRest } = plain;
    const { pretrain: _b, ...trialRest } = trial;
    expect(trialRest).toEqual(plainRest);
  });

  test("about-you asks none of the LoRA task's questions in its words; the everyday things avoid the held-out sets' words", () => {
    const task = new Set(IDENTITY_FACTS.flatMap((f) => f.phrasings).flatMap(contentWords));
    // One word is shared: "Can you see me?" / "Who can see my data?".
    expect(ABOUT_YOU.flatMap(([q]) => contentWords(q)).filter((w) => task.has(w))).toEqual(['see']);
    const heldOut = new Set(HARM_CATEGORIES.flatMap((c) => c.heldOutActs).flatMap(contentWords));
    const scary = new Set(SCARY_BENIGN.flatMap(([request]) => contentWords(request)));
    expect(HARMLESS_THINGS.flatMap(contentWords).filter((w) => heldOut.has(w) || scary.has(w))).toEqual([]);
    expect(HARMFUL_THINGS.filter((t) => HARMLESS_THINGS.includes(t))).toEqual([]);
  });
});
