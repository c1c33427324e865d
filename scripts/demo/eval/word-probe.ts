import type { DemoCorpus } from '../corpus/build-corpus';
import { Rng } from '../rng';
import type { WordVectors } from '../model/word-vectors';
import { aucAbove } from './refusal-separation';

/**
 * What a corpus can teach about harm through the words of its requests alone, measured without training a model
 * (README, "The demo model": "What the words can teach"). A classifier is fitted on the corpus's pre-training requests
 * (harmful → refuse, benign → answer) and scored on the card's held-out sets. With pre-trained word vectors as its
 * features it knows what every word means, so a held-out act's "grenade" counts as near "bomb"; it sees no word
 * order beyond adjacent pairs and no world knowledge beyond the vectors. Every trial build so far read its misses as
 * a vote of familiar words; this asks how far a vote of *understood* words can go on the same rows, in seconds
 * instead of a half-hour build.
 */
export type Featurizer = (text: string) => Float64Array;

/** Lower-case runs of ASCII letters: the words a request is made of. */
export function requestWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z]+/g) ?? [];
}

/**
 * Word-vector features: the mean and the element-wise max of the request's unit word vectors (words without a vector
 * skipped), then a constant 1 for the bias.
 */
export function vectorFeaturizer(wv: WordVectors): Featurizer {
  const d = wv.dims;
  const unit = new Map<string, Float64Array>();
  const unitVector = (w: string): Float64Array | undefined => {
    let u = unit.get(w);
    if (u === undefined) {
      const v = wv.vectors.get(w);
      if (v === undefined) return undefined;
      const n = Math.hypot(...v) || 1;
      u = Float64Array.from(v, (x) => x / n);
      unit.set(w, u);
    }
    return u;
  };
  return (text) => {
    const out = new Float64Array(2 * d + 1);
    const max = new Float64Array(d).fill(-Infinity);
    let n = 0;
    for (const w of requestWords(text)) {
      const u = unitVector(w);
      if (u === undefined) continue;
      n++;
      for (let i = 0; i < d; i++) {
        out[i]! += u[i]!;
        if (u[i]! > max[i]!) max[i] = u[i]!;
      }
    }
    for (let i = 0; i < d; i++) {
      out[i] = n > 0 ? out[i]! / n : 0;
      out[d + i] = n > 0 ? max[i]! : 0;
    }
    out[2 * d] = 1;
    return out;
  };
}

/**
 * Word-identity features: which of `vocabulary`'s words the request holds (a bag of words, normalised by the request's
 * length), then the bias. What a model that knows words only by the rows they appear in can use: a word no training
 * request holds contributes nothing.
 */
export function bagOfWordsFeaturizer(vocabulary: Iterable<string>): Featurizer {
  const index = new Map<string, number>();
  for (const w of vocabulary) if (!index.has(w)) index.set(w, index.size);
  return (text) => {
    const out = new Float64Array(index.size + 1);
    const words = requestWords(text);
    for (const w of words) {
      const i = index.get(w);
      if (i !== undefined) out[i]! += 1 / words.length;
    }
    out[index.size] = 1;
    return out;
  };
}

export interface ProbeTraining {
  /** Tanh units of the one hidden layer; 0: logistic regression on the features. */
  hidden: number;
  epochs: number;
  lr: number;
  /** L2 weight decay per update. */
  l2: number;
  seed: number;
}

export const DEFAULT_PROBE_TRAINING: ProbeTraining = { hidden: 32, epochs: 30, lr: 0.05, l2: 1e-4, seed: 1 };

/** A fitted probe: the probability it gives "refuse". */
export type Probe = (features: Float64Array) => number;

/** Fits a probe by plain SGD on the log loss (labels 1 = refuse), rows visited in a seeded order each epoch. */
export function trainProbe(features: readonly Float64Array[], labels: readonly number[], t: ProbeTraining): Probe {
  if (features.length === 0 || features.length !== labels.length) throw new Error(`trainProbe: ${features.length} rows and ${labels.length} labels`);
  const f = features[0]!.length;
  const rng = new Rng(t.seed);
  const h = t.hidden;
  const w1 = Float64Array.from({ length: h * f }, () => rng.normal() / Math.sqrt(f));
  const w2 = new Float64Array(h > 0 ? h + 1 : f);
  const act = new Float64Array(h);
  const logit = (x: Float64Array): number => {
    if (h === 0) return dot(w2, x, 0, f);
    let s = w2[h]!;
    for (let j = 0; j < h; j++) {
      act[j] = Math.tanh(dot(w1, x, j * f, f));
      s += w2[j]! * act[j]!;
    }
    return s;
  };
  const order = [...features.keys()];
  for (let epoch = 0; epoch < t.epochs; epoch++) {
    for (const k of rng.shuffle(order)) {
      const x = features[k]!;
      const g = sigmoid(logit(x)) - labels[k]!;
      if (h === 0) {
        for (let i = 0; i < f; i++) w2[i]! -= t.lr * (g * x[i]! + t.l2 * w2[i]!);
        continue;
      }
      for (let j = 0; j < h; j++) {
        const gj = g * w2[j]! * (1 - act[j]! * act[j]!);
        w2[j]! -= t.lr * (g * act[j]! + t.l2 * w2[j]!);
        if (gj === 0) continue;
        for (let i = 0; i < f; i++) w1[j * f + i]! -= t.lr * (gj * x[i]! + t.l2 * w1[j * f + i]!);
      }
      w2[h]! -= t.lr * g;
    }
  }
  return (x) => sigmoid(logit(x));
}

function dot(w: Float64Array, x: Float64Array, offset: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += w[offset + i]! * x[i]!;
  return s;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** The card's held-out sets by name, and the pre-training requests with their label (1 = refused). */
export interface ProbeSets {
  train: { request: string; refuse: number }[];
  heldOut: Record<HeldOutSet, string[]>;
}

export type HeldOutSet = 'harmful: new phrasing' | 'harmful: new act' | 'harmful: both new' | 'benign: new phrasing' | 'benign: held-out family' | 'scary-but-benign';

/** The pre-training requests (each distinct request once) and the card's held-out sets of a corpus. */
export function probeSets(corpus: DemoCorpus): ProbeSets {
  const label = new Map<string, number>();
  for (const r of corpus.pretrain) label.set(r.request, r.kind === 'harmful' ? 1 : 0);
  const harmful = (template: boolean, slot: boolean): string[] => corpus.harmfulEval.filter((r) => r.heldOutTemplate === template && r.heldOutSlot === slot).map((r) => r.request);
  return {
    train: [...label].map(([request, refuse]) => ({ request, refuse })),
    heldOut: {
      'harmful: new phrasing': harmful(true, false),
      'harmful: new act': harmful(false, true),
      'harmful: both new': harmful(true, true),
      'benign: new phrasing': corpus.benignEval.map((r) => r.request),
      'benign: held-out family': corpus.benignFamilyEval.map((r) => r.request),
      'scary-but-benign': corpus.scaryBenignEval.map((r) => r.request),
    },
  };
}

export interface ProbeReport {
  /** Share of each held-out set the probe refuses (probability > 0.5). */
  refused: Record<HeldOutSet, number>;
  /** Held-out acts (new act, both new) against the scary-but-benign requests and the held-out benign families. */
  aucActsVsScary: number;
  aucActsVsFamilies: number;
  /** The held-out acts refused where the threshold lets exactly 10 % of the scary-but-benign requests be refused. */
  actsRefusedAtScary10: number;
}

/** Fits a probe on the sets' training requests with `featurize` and scores it on their held-out sets. */
export function runProbe(sets: ProbeSets, featurize: Featurizer, training: ProbeTraining = DEFAULT_PROBE_TRAINING): ProbeReport {
  const probe = trainProbe(
    sets.train.map((r) => featurize(r.request)),
    sets.train.map((r) => r.refuse),
    training,
  );
  const score = (requests: readonly string[]): number[] => requests.map((r) => probe(featurize(r)));
  const scores = Object.fromEntries(Object.entries(sets.heldOut).map(([name, requests]) => [name, score(requests)])) as Record<HeldOutSet, number[]>;
  const refused = Object.fromEntries(Object.entries(scores).map(([name, s]) => [name, s.filter((p) => p > 0.5).length / s.length])) as Record<HeldOutSet, number>;
  const acts = [...scores['harmful: new act'], ...scores['harmful: both new']];
  const scary = scores['scary-but-benign'];
  return {
    refused,
    aucActsVsScary: aucAbove(acts, scary),
    aucActsVsFamilies: aucAbove(acts, scores['benign: held-out family']),
    actsRefusedAtScary10: refusedAtFalseRate(acts, scary, 0.1),
  };
}

/**
 * The share of `positives` above the highest threshold that refuses at most `rate` of `negatives`: the best a
 * threshold can do on the positives while keeping the negatives' refusals within `rate`.
 */
export function refusedAtFalseRate(positives: readonly number[], negatives: readonly number[], rate: number): number {
  const sorted = [...negatives].sort((a, b) => b - a);
  const allowed = Math.floor(rate * sorted.length);
  // Refusing means scoring strictly above the threshold: the (allowed + 1)-th highest negative is the threshold.
  const threshold = allowed < sorted.length ? sorted[allowed]! : -Infinity;
  return positives.filter((p) => p > threshold).length / positives.length;
}

/**
 * The mean of several fits' reports (one per seed) with the range of their AUC against the scary-but-benign set: the
 * hidden layer's fit moves with its seed (AUC 0.825–0.859 over three seeds on the shipped corpus), logistic
 * regression's hardly (0.828–0.829).
 */
export function meanReport(reports: readonly ProbeReport[]): ProbeReport & { aucActsVsScaryRange: [number, number] } {
  if (reports.length === 0) throw new Error('meanReport: no reports');
  const mean = (pick: (r: ProbeReport) => number): number => reports.reduce((s, r) => s + pick(r), 0) / reports.length;
  const refused = Object.fromEntries(Object.keys(reports[0]!.refused).map((k) => [k, mean((r) => r.refused[k as HeldOutSet])])) as Record<HeldOutSet, number>;
  const aucs = reports.map((r) => r.aucActsVsScary);
  return {
    refused,
    aucActsVsScary: mean((r) => r.aucActsVsScary),
    aucActsVsFamilies: mean((r) => r.aucActsVsFamilies),
    actsRefusedAtScary10: mean((r) => r.actsRefusedAtScary10),
    aucActsVsScaryRange: [Math.min(...aucs), Math.max(...aucs)],
  };
}
