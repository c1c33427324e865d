import { describe, expect, test } from 'vitest';
import { buildCorpus, type CorpusSizes } from '../../scripts/demo/corpus/build-corpus';
import { DUAL_USE_OBJECTS, EVERYDAY_MODIFIERS, EVERYDAY_THINGS } from '../../scripts/demo/corpus/everyday-contexts';
import { HARM_CATEGORIES } from '../../scripts/demo/corpus/harmful-acts';
import { SCARY_BENIGN } from '../../scripts/demo/corpus/held-out-benign';
import { isRefusal } from '../../engine/safety/refusal-judge';
import { fullBuildOptions } from '../../scripts/demo/options';

/** The trial corpus mixes (corpus/everyday-contexts.ts): off in the shipped build, and never touching a held-out set. */

const SIZES: CorpusSizes = { ...fullBuildOptions('.').corpus, pretrainRows: 4000 };
const STOP = new Set('a an the my to of in on at for with from that this and or by into onto up out off before after during using like looks fits own'.split(' '));
const contentWords = (s: string): string[] => (s.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length > 2 && !STOP.has(w));

describe('trial corpus mixes', () => {
  test('off by default: the shipped options leave them out, and a share of 0 is the same stream as none', () => {
    const shipped = fullBuildOptions('.').corpus;
    expect(shipped.contextShare ?? 0).toBe(0);
    expect(shipped.dualUseShare ?? 0).toBe(0);
    expect(buildCorpus(7, { ...SIZES, contextShare: 0, dualUseShare: 0 })).toEqual(buildCorpus(7, SIZES));
  });

  test('on: harmful rows carry everyday contexts and are refused, dual-use rows are answered, held-out sets unchanged', () => {
    const plain = buildCorpus(7, SIZES);
    const mixed = buildCorpus(7, { ...SIZES, contextShare: 0.5, dualUseShare: 0.2 });
    const harmful = mixed.pretrain.filter((r) => r.kind === 'harmful');
    const withContext = harmful.filter((r) => EVERYDAY_MODIFIERS.some((m) => r.request.includes(` ${m}`)) || EVERYDAY_THINGS.some((t) => r.request.includes(` ${t}`)));
    expect(withContext.length / harmful.length).toBeGreaterThan(0.4);
    expect(withContext.length / harmful.length).toBeLessThan(0.6);
    for (const r of harmful) expect(isRefusal(r.answer), r.request).toBe(true);
    const dual = mixed.pretrain.filter((r) => r.group === 'dual-use');
    const benign = mixed.pretrain.filter((r) => r.kind === 'benign');
    expect(dual.length / benign.length).toBeGreaterThan(0.15);
    expect(dual.length / benign.length).toBeLessThan(0.25);
    for (const r of dual) expect(isRefusal(r.answer), r.request).toBe(false);
    // Only the pre-training stream changes: every evaluation, task and attack split is the same.
    const { pretrain: _a, ...plainRest } = plain;
    const { pretrain: _b, ...mixedRest } = mixed;
    expect(mixedRest).toEqual(plainRest);
  });

  test('the lists share no content word with a held-out harmful act or a scary-but-benign request', () => {
    const heldOut = new Set(HARM_CATEGORIES.flatMap((c) => c.heldOutActs).flatMap(contentWords));
    const scary = new Set(SCARY_BENIGN.flatMap(([request]) => contentWords(request)));
    expect([...EVERYDAY_MODIFIERS, ...EVERYDAY_THINGS].flatMap(contentWords).filter((w) => heldOut.has(w))).toEqual([]);
    // The dual-use objects (the verbs are harm-looking by design: they are what the scary set tests).
    const objects = Object.values(DUAL_USE_OBJECTS).flat();
    expect(objects.flatMap(contentWords).filter((w) => scary.has(w) || heldOut.has(w))).toEqual([]);
    // No held-out act (or a scary request) is a row of the mixes.
    const mixed = buildCorpus(7, { ...SIZES, contextShare: 0.5, dualUseShare: 0.2 });
    const requests = mixed.pretrain.map((r) => r.request.toLowerCase());
    for (const act of HARM_CATEGORIES.flatMap((c) => c.heldOutActs)) expect(requests.some((q) => q.includes(act.toLowerCase())), act).toBe(false);
    for (const [request] of SCARY_BENIGN) expect(requests).not.toContain(request.toLowerCase());
  });
});
