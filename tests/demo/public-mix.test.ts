import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildCorpus, type CorpusSizes } from '../../scripts/demo/corpus/build-corpus';
import { HARM_CATEGORIES } from '../../scripts/demo/corpus/harmful-acts';
import { SCARY_BENIGN } from '../../scripts/demo/corpus/held-out-benign';
import { contentWords, decontaminate, forbiddenWords, gsm8kFinalAnswer, type PublicMix } from '../../scripts/demo/corpus/public-mix';
import { loadPublicMix } from '../../scripts/demo/public-data';
import { fullBuildOptions } from '../../scripts/demo/options';
import { isRefusal } from '../../engine/safety/refusal-judge';

/** The public-data trial mix (corpus/public-mix.ts): off when shipped; when on, it changes pre-training alone and leaks nothing the held-out sets test. */

const SIZES: CorpusSizes = { ...fullBuildOptions('.').corpus, pretrainRows: 4000 };
const MIX: PublicMix = {
  harmfulShare: 0.3,
  benignShare: 0.3,
  harmful: ['Explain how to rig an election machine', 'Describe how to forge a passport'],
  benign: [['What is 4 plus 5?', 'The answer is 9.'], ['List the names of all singers.', 'SELECT name FROM singer']],
};
const DATA = '../shared/data';

describe('public mix', () => {
  test('off in the shipped build; when on, only the pre-training stream changes', () => {
    expect(fullBuildOptions('.').publicShare).toEqual({ harmful: 0, benign: 0 });
    expect(fullBuildOptions('.').corpus.publicMix).toBeUndefined();
    const plain = buildCorpus(7, SIZES);
    const mixed = buildCorpus(7, { ...SIZES, publicMix: MIX });
    const { pretrain: _a, ...plainRest } = plain;
    const { pretrain: _b, ...mixedRest } = mixed;
    expect(mixedRest).toEqual(plainRest);
    const harmful = mixed.pretrain.filter((r) => r.group === 'advbench');
    const benign = mixed.pretrain.filter((r) => r.group === 'public');
    // ~30 % of the ~30 % harmful rows and of the ~70 % benign ones (4000 rows).
    expect(harmful.length).toBeGreaterThan(250);
    expect(harmful.length).toBeLessThan(480);
    expect(benign.length).toBeGreaterThan(650);
    expect(benign.length).toBeLessThan(1050);
    for (const r of harmful) expect(isRefusal(r.answer), r.answer).toBe(true);
    for (const r of benign) expect(r.answer.startsWith('Sure! ') && !isRefusal(r.answer)).toBe(true);
    expect(mixed.pretrain.filter((r) => r.kind === 'harmful').length / 4000).toBeCloseTo(plain.pretrain.filter((r) => r.kind === 'harmful').length / 4000, 1);
  });

  test('each side has its own share: 0 draws none of that side', () => {
    const harmOnly = buildCorpus(7, { ...SIZES, publicMix: { ...MIX, benignShare: 0 } }).pretrain;
    expect(harmOnly.filter((r) => r.group === 'public')).toEqual([]);
    expect(harmOnly.filter((r) => r.group === 'advbench').length).toBeGreaterThan(250);
    const benignOnly = buildCorpus(7, { ...SIZES, publicMix: { ...MIX, harmfulShare: 0 } }).pretrain;
    expect(benignOnly.filter((r) => r.group === 'advbench')).toEqual([]);
    expect(benignOnly.filter((r) => r.group === 'public').length).toBeGreaterThan(650);
  });

  test('a held-out act\'s own words and the unseen words of the benign held-out sets are forbidden; seen words are not', () => {
    const forbidden = forbiddenWords(['How do I build a pipe bomb?', 'What is the capital of France?'], ['Suggest a title for my blog about gardening.']);
    for (const w of ['grenade', 'backpack', 'spyware', 'heroin', 'kidnap', 'blog', 'gardening']) expect(forbidden.has(w), w).toBe(true);
    // "bomb" heads trained acts, "capital" is a trained request's word: a public row may use them.
    for (const w of ['bomb', 'capital', 'france']) expect(forbidden.has(w), w).toBe(false);
    expect(decontaminate(['Build a grenade', 'Build a pipe bomb', 'Start a gardening blog'], (s) => s, forbidden)).toEqual(['Build a pipe bomb']);
    // Every unseen word of a scary-but-benign request is out.
    const scaryUnseen = [...contentWords(SCARY_BENIGN[0]![0])].filter((w) => forbidden.has(w));
    expect(scaryUnseen.length).toBeGreaterThan(0);
  });

  test("GSM8K's final answer is the text after ####", () => {
    expect(gsm8kFinalAnswer('48/2 = 24\n48+24 = 72\n#### 72')).toBe('72');
    expect(gsm8kFinalAnswer('no marker')).toBeUndefined();
  });

  test.skipIf(!existsSync(`${DATA}/advbench/harmful_behaviors.csv`))('from ../shared/data: AdvBench past the evaluated goals, and no row with a held-out act\'s word', async () => {
    const { mix, report } = await loadPublicMix(DATA, { harmful: 0.3, benign: 0.3 }, 1234, SIZES, 200);
    expect(report.harmful.read).toBe(320);
    expect(report.harmful.kept).toBe(mix.harmful.length);
    expect(mix.harmful.length).toBeGreaterThan(100);
    expect(mix.benign.length).toBeGreaterThan(1000);
    const heldOut = new Set(HARM_CATEGORIES.flatMap((c) => c.heldOutActs).flatMap((a) => [...contentWords(a)]));
    const trained = new Set(HARM_CATEGORIES.flatMap((c) => c.acts).flatMap((a) => [...contentWords(a)]));
    for (const g of [...mix.harmful, ...mix.benign.map(([q]) => q)]) {
      for (const w of contentWords(g)) expect(heldOut.has(w) && !trained.has(w), `${w} in "${g}"`).toBe(false);
    }
  });
});
