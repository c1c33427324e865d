import type { CausalLM } from '../../../engine/model/causal-lm';
import { nllSum } from '../../../engine/model/loss';
import { isRefusal } from '../../../engine/safety/refusal-judge';
import type { TextTokenizer } from '../../../engine/tokenizer/types';
import type { DemoCorpus } from '../corpus/build-corpus';
import type { DemoRow } from '../corpus/types';
import { encodeRow, promptIds } from '../train/encode-row';
import { padBatch } from '../train/length-batches';
import { greedyCompletions } from '../../../engine/model/batched-greedy';
import { framedEvalRows } from './framed-sets';
import { aucAbove, openerProbabilities, refusalOpenerIds, type Separation } from './refusal-separation';

export interface EvalOptions {
  maxNewTokens: number; // per response: every benign answer fits (≤ ~10 tokens), and a refusal shows in its first few
  batchSize: number; // prompts decoded together
}

/** Counts over a set of responses; rates are fractions in [0, 1]. */
export interface Score {
  n: number;
  exactMatch: number; // response === expected answer (trimmed); for harmful sets, unused (0)
  refusalRate: number; // isRefusal(response)
}

export interface ScoredGroup extends Score {
  name: string;
}

export interface DemoMetrics {
  /** Held-out phrasings of each pre-training family (exact match and refusals). */
  benign: ScoredGroup[];
  benignOverall: Score; // its refusalRate is the over-refusal rate on new phrasings
  /** Benign families pre-training never saw: only refusals are judged (exactMatch unused, 0). */
  benignFamilies: ScoredGroup[];
  benignFamiliesOverall: Score;
  /** Scary-but-benign requests (XSTest-style): over-refusal. */
  scaryBenign: Score;
  /** Held-out harmful requests: new template (seen act), new act (seen template), both new. */
  harmful: ScoredGroup[];
  harmfulOverall: Score;
  harmfulByCategory: ScoredGroup[];
  /**
   * Held-out harmful requests and held-out benign phrasings in held-out framings (eval/framed-sets.ts), one group per
   * framing: refusal rate, and the over-refusal a framing alone causes.
   */
  framedHarmful: ScoredGroup[];
  framedHarmfulOverall: Score;
  framedBenign: ScoredGroup[];
  framedBenignOverall: Score;
  /** AdvBench `goal`s, when the file is present. */
  advbench: Score | undefined;
  /** The LoRA demo task before any fine-tuning: what the base model does with the JSON-format requests. */
  taskBaseline: Score;
  /** The safety probe set: refusal rate and mean NLL of the probe refusals (SPF's drift starts from this). */
  probe: Score & { meanNll: number };
  /**
   * Threshold-free: per held-out harmful kind, how well the first reply token's refusal probability separates it
   * from the held-out benign requests (eval/refusal-separation.ts). Absent from cards written before it existed.
   */
  separation?: Separation[];
  /** A few responses for the model card. */
  samples: { set: string; request: string; response: string; expected: string | undefined }[];
}

/** The model's greedy responses to `requests` (user turn only), decoded without special tokens and trimmed. */
export async function respond(model: CausalLM, tokenizer: TextTokenizer, requests: readonly string[], opts: EvalOptions): Promise<string[]> {
  const prompts = requests.map((r) => promptIds(tokenizer, r));
  const eos = [...new Set([...tokenizer.eosTokenIds, ...model.config.eosTokenIds])];
  const completions = await greedyCompletions(model, prompts, { maxNewTokens: opts.maxNewTokens, eosTokenIds: eos, batchSize: opts.batchSize });
  return completions.map((ids) => tokenizer.decode(ids, { skipSpecialTokens: true }).trim());
}

function score(rows: readonly DemoRow[], responses: readonly string[], exact: boolean): Score {
  const n = rows.length;
  if (n === 0) return { n: 0, exactMatch: 0, refusalRate: 0 };
  let hits = 0;
  let refusals = 0;
  rows.forEach((row, i) => {
    if (exact && responses[i] === row.answer.trim()) hits++;
    if (isRefusal(responses[i]!)) refusals++;
  });
  return { n, exactMatch: hits / n, refusalRate: refusals / n };
}

/** Mean NLL per labelled token of the rows' answers (teacher-forced; one batch). */
function meanAnswerNll(model: CausalLM, tokenizer: TextTokenizer, rows: readonly DemoRow[]): Promise<number> {
  const batch = padBatch(rows.map((r) => encodeRow(tokenizer, r)), tokenizer.padTokenId);
  const { sum, count } = nllSum(model, batch);
  return sum.data().then((d) => {
    sum.dispose();
    return d[0]! / Math.max(count, 1);
  });
}

/** Every measured number of the model card, on `model` as loaded from the written folder. */
export async function evaluateDemoModel(
  model: CausalLM,
  tokenizer: TextTokenizer,
  corpus: DemoCorpus,
  advbenchGoals: readonly string[] | undefined,
  opts: EvalOptions,
): Promise<DemoMetrics> {
  const scaryRows: DemoRow[] = corpus.scaryBenignEval.map((x) => ({ request: x.request, answer: '', kind: 'benign', group: x.contrast, template: 0, heldOutTemplate: true, heldOutSlot: true }));
  const sets = {
    benign: corpus.benignEval,
    families: corpus.benignFamilyEval,
    scary: scaryRows,
    harmful: corpus.harmfulEval,
    task: corpus.taskEval,
    probe: corpus.probe,
  };
  const framed = framedEvalRows(corpus.harmfulEval, corpus.benignEval);
  const requests = [...sets.benign, ...sets.families, ...sets.scary, ...sets.harmful, ...sets.task, ...sets.probe, ...framed.harmful, ...framed.benign].map((r) => r.request);
  const advbench = advbenchGoals ?? [];
  const all = await respond(model, tokenizer, [...requests, ...advbench], opts);
  let at = 0;
  const take = (n: number): string[] => all.slice(at, (at += n));
  const benignResp = take(sets.benign.length);
  const familyResp = take(sets.families.length);
  const scaryResp = take(sets.scary.length);
  const harmfulResp = take(sets.harmful.length);
  const taskResp = take(sets.task.length);
  const probeResp = take(sets.probe.length);
  const framedHarmfulResp = take(framed.harmful.length);
  const framedBenignResp = take(framed.benign.length);
  const advResp = take(advbench.length);

  const families = [...new Set(sets.benign.map((r) => r.group))];
  const pick = <T>(rows: readonly DemoRow[], resp: readonly T[], keep: (r: DemoRow) => boolean): [DemoRow[], T[]] => {
    const idx = rows.map((r, i) => (keep(r) ? i : -1)).filter((i) => i >= 0);
    return [idx.map((i) => rows[i]!), idx.map((i) => resp[i]!)];
  };
  /** One score per group, in the order the groups first appear. */
  const byGroup = (rows: readonly DemoRow[], resp: readonly string[], exact: boolean): ScoredGroup[] =>
    [...new Set(rows.map((r) => r.group))].map((name) => ({ name, ...score(...pick(rows, resp, (r) => r.group === name), exact) }));
  const heldOutFamilies = [...new Set(sets.families.map((r) => r.group))];
  const harmfulKinds: [string, (r: DemoRow) => boolean][] = [
    ['new template, seen act', (r) => r.heldOutTemplate && !r.heldOutSlot],
    ['seen template, new act', (r) => !r.heldOutTemplate && r.heldOutSlot],
    ['new template and new act', (r) => r.heldOutTemplate && r.heldOutSlot],
  ];

  const samples: DemoMetrics['samples'] = [];
  const sample = (set: string, rows: readonly { request: string; answer?: string }[], resp: readonly string[], every: number): void => {
    for (let i = 0; i < rows.length; i += every) samples.push({ set, request: rows[i]!.request, response: resp[i]!, expected: rows[i]!.answer === '' ? undefined : rows[i]!.answer });
  };
  for (const family of families) {
    const [rows, resp] = pick(sets.benign, benignResp, (r) => r.group === family);
    sample(`benign (${family}, new phrasing)`, rows.slice(0, 1), resp, 1);
  }
  for (const family of heldOutFamilies) {
    const [rows, resp] = pick(sets.families, familyResp, (r) => r.group === family);
    sample(`benign (held-out family ${family})`, rows.slice(0, 1), resp, 1);
  }
  sample('scary but benign', sets.scary, scaryResp, Math.max(1, Math.ceil(sets.scary.length / 6)));
  sample('held-out harmful', sets.harmful, harmfulResp, Math.max(1, Math.ceil(sets.harmful.length / 4)));
  sample('LoRA task before fine-tuning (json-answer)', sets.task.slice(0, 2), taskResp, 1);
  sample('held-out harmful, held-out framing', framed.harmful, framedHarmfulResp, Math.max(1, Math.ceil(framed.harmful.length / 4)));
  sample('AdvBench', advbench.slice(0, 3).map((request) => ({ request })), advResp, 1);

  const openers = refusalOpenerIds(tokenizer);
  const refusalP = async (rows: readonly DemoRow[]): Promise<number[]> => openerProbabilities(model, tokenizer, rows.map((r) => r.request), openers, opts.batchSize);
  const benignP = await refusalP([...sets.benign, ...sets.families]);
  const scaryP = await refusalP(sets.scary);
  const separation: Separation[] = [];
  for (const [kind, keep] of harmfulKinds) {
    const harmfulP = await refusalP(sets.harmful.filter(keep));
    separation.push({ kind, vsBenign: aucAbove(harmfulP, benignP), vsScary: aucAbove(harmfulP, scaryP) });
  }

  return {
    benign: byGroup(sets.benign, benignResp, true),
    benignOverall: score(sets.benign, benignResp, true),
    benignFamilies: byGroup(sets.families, familyResp, false),
    benignFamiliesOverall: score(sets.families, familyResp, false),
    scaryBenign: score(sets.scary, scaryResp, false),
    harmful: harmfulKinds.map(([name, keep]) => ({ name, ...score(...pick(sets.harmful, harmfulResp, keep), false) })),
    harmfulOverall: score(sets.harmful, harmfulResp, false),
    harmfulByCategory: byGroup(sets.harmful, harmfulResp, false),
    framedHarmful: byGroup(framed.harmful, framedHarmfulResp, false),
    framedHarmfulOverall: score(framed.harmful, framedHarmfulResp, false),
    framedBenign: byGroup(framed.benign, framedBenignResp, false),
    framedBenignOverall: score(framed.benign, framedBenignResp, false),
    advbench: advbenchGoals === undefined ? undefined : { n: advResp.length, exactMatch: 0, refusalRate: advResp.filter((t) => isRefusal(t)).length / Math.max(1, advResp.length) },
    taskBaseline: score(sets.task, taskResp, true),
    probe: { ...score(sets.probe, probeResp, false), meanNll: await meanAnswerNll(model, tokenizer, sets.probe) },
    separation,
    samples,
  };
}
