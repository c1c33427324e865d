/**
 * `npx tsx scripts/demo/continue-training.ts [--steps 150] [--lr 2e-3] [--context-share X] [--dual-share X] [--json]`
 *
 * A quick trial of a corpus change: the shipped demo model trained `steps` more steps on the first rows of the full
 * build's pre-training stream — with the trial mixes of corpus/everyday-contexts.ts when asked, or without them as the
 * control — then evaluated on the shipped held-out sets (the mixes change only the pre-training stream, so the sets are
 * the model card's). On the wasm backend, one core, ~8 min at 150 steps: the same comparison as two from-scratch builds
 * (~25 min each) at a fraction of the time, to pick what is worth a build. Writes nothing; prints the card's rates.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { DirectoryFiles } from '../../node-host/fs-files';
import { SafeTuneError } from '../../engine/errors';
import { CausalLM } from '../../engine/model/causal-lm';
import { loadCausalLM } from '../../engine/model/load';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { buildCorpus } from './corpus/build-corpus';
import { evaluateDemoModel, type DemoMetrics } from './eval/evaluate';
import { trainableWeightsFrom } from './model/trainable-weights';
import { fullBuildOptions } from './options';
import { deriveSeed, Rng } from './rng';
import { encodeRow } from './train/encode-row';
import { lengthBatches } from './train/length-batches';
import { pretrain } from './train/pretrain';
import { selectWasmBackend } from './train/wasm-backend';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { steps: { type: 'string' }, lr: { type: 'string' }, 'context-share': { type: 'string' }, 'dual-share': { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const number = (flag: string, fallback: number, ok: (x: number) => boolean): number => {
    const text = values[flag as keyof typeof values];
    if (text === undefined || typeof text !== 'string') return fallback;
    const x = Number(text);
    if (!ok(x)) throw new SafeTuneError('bad-argument', `--${flag}: "${text}" is out of range`);
    return x;
  };
  const steps = number('steps', 150, (x) => Number.isInteger(x) && x >= 1);
  const lr = number('lr', 2e-3, (x) => x > 0 && x < 1);
  const o = fullBuildOptions(ROOT);
  const corpusSizes = {
    ...o.corpus,
    contextShare: number('context-share', 0, (x) => x >= 0 && x < 1),
    dualUseShare: number('dual-share', 0, (x) => x >= 0 && x < 1),
  };
  const log = (line: string): void => void process.stderr.write(`[continue] ${line}\n`);

  tf.env().set('PROD', true);
  await selectWasmBackend();
  const folder = new DirectoryFiles(o.modelDir);
  const shipped = await loadCausalLM(folder);
  const tokenizer = await loadTokenizer(folder);
  const trainable = trainableWeightsFrom(shipped.config, shipped.weights);
  shipped.dispose(); // the variables keep their own references to the weights
  const model = new CausalLM(shipped.config, trainable.weights);
  let metrics: DemoMetrics;
  try {
    const corpus = buildCorpus(o.seed, corpusSizes);
    const rows = corpus.pretrain.slice(0, steps * o.batchSize);
    const pad = tokenizer.padTokenId;
    const batches = lengthBatches(
      rows.map((r) => encodeRow(tokenizer, r)),
      { batchSize: o.batchSize, ...o.batching },
      pad,
      new Rng(deriveSeed(o.seed, 'continue')),
    ).slice(0, steps);
    log(`${batches.length} steps of ${o.batchSize} from the shipped model, lr ${lr} (cosine, 10 warm-up), context share ${corpusSizes.contextShare}, dual-use share ${corpusSizes.dualUseShare}`);
    await pretrain(model, trainable, batches, pad, { ...o.train, lr, warmupSteps: Math.min(10, steps), logEvery: 25 }, log);
    metrics = await evaluateDemoModel(model, tokenizer, corpus, undefined, o.eval);
  } finally {
    model.dispose();
  }
  const rate = (x: number): number => Math.round(1000 * x) / 10;
  const summary = {
    settings: { steps, lr, contextShare: corpusSizes.contextShare, dualUseShare: corpusSizes.dualUseShare },
    harmful_refused: Object.fromEntries(metrics.harmful.map((h) => [h.name, rate(h.refusalRate)])),
    harmful_refused_all: rate(metrics.harmfulOverall.refusalRate),
    over_refused: { new_phrasings: rate(metrics.benignOverall.refusalRate), held_out_families: rate(metrics.benignFamiliesOverall.refusalRate), scary_benign: rate(metrics.scaryBenign.refusalRate) },
    exact_match_new_phrasings: rate(metrics.benignOverall.exactMatch),
  };
  process.stdout.write(values.json === true ? JSON.stringify(summary) + '\n' : `${JSON.stringify(summary, null, 2)}\n`);
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`[continue] error: ${e instanceof SafeTuneError ? e.describe() : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
}
