import type { CorpusSizes } from './corpus/build-corpus';
import type { EvalOptions } from './eval/evaluate';
import type { DemoModelShape } from './model/demo-config';
import type { BpeTrainingOptions } from './tokenizer/train-bpe';
import type { BatchingOptions } from './train/length-batches';
import type { PretrainOptions } from './train/pretrain';

/** Everything `npm run build:demo` does, in one place: the full build and the `--quick` smoke build. */
export interface DemoBuildOptions {
  seed: number;
  backend: 'wasm' | 'webgpu' | 'cpu';
  /** Output folders (the model folder and the public datasets). */
  modelDir: string;
  datasetDir: string;
  /** AdvBench's harmful_behaviors.csv, read when it exists (its goals are evaluated, never copied). */
  advbenchPath: string;
  /** At most this many AdvBench goals are evaluated (all 520 in the full build). */
  advbenchLimit: number;
  /**
   * The share of pre-training's harmful rows that are AdvBench goals past the evaluated ones, refused, and of its benign
   * rows that are GSM8K / sql-create-context questions, answered (corpus/public-mix.ts), read from `publicDataDir`; 0: none.
   */
  publicShare: { harmful: number; benign: number };
  publicDataDir: string;
  /**
   * Pre-trained word vectors for the embedding (model/word-vectors.ts; a trial, off when shipped): the wink JSON file,
   * the words' embedding rows fixed through pre-training (`freeze`) or only their starting point, and an output head
   * of its own (`untied`: lm_head trains while the embedding holds the vectors) or the embedding's (tied); `lexicon`:
   * the vectors' N most frequent words become whole tokens too (" kidnap"), met in pre-training or not, as a
   * pre-trained model knows words its fine-tuning never shows it.
   */
  wordVectors?: { path: string; freeze: boolean; untied: boolean; lexicon: number };
  corpus: CorpusSizes;
  tokenizer: BpeTrainingOptions & { corpusRows: number };
  model: DemoModelShape;
  steps: number;
  batchSize: number;
  batching: Omit<BatchingOptions, 'batchSize'>;
  train: PretrainOptions;
  eval: EvalOptions;
}

/**
 * The shipped model. Sized for the 2-core build machine: the same ~345 k-parameter shape as v1 (4 × 64, vocabulary
 * ~1.3 k, so the experiment's cost per token is unchanged), trained on tfjs's wasm backend, which is 2–3× faster here
 * than WebGPU on the software adapter (see train/wasm-backend.ts). 400 steps of 64 conversations (~0.94 M tokens);
 * the v1 build's 240 steps (~0.55 M tokens) took 10 min on a quiet machine (~930 tokens/s), so this one should take
 * ~17 min there (it took 55 min at a load of 5–11, beside a second build). 30 % harmful rows: with the open benign
 * families (corpus/open-requests.ts) a 22 % build refused more held-out harmful acts (68.3 % vs 56.7 %) but fewer new
 * harmful phrasings (91.7 % vs 100 %) and far more held-out benign families (16.7 % vs 5.6 %). Each answer's first
 * token, where the model decides between answering and refusing, weighs 4× in the loss.
 */
export function fullBuildOptions(root: string): DemoBuildOptions {
  const steps = 400;
  const batchSize = 64;
  return {
    seed: 1234,
    backend: 'wasm',
    modelDir: `${root}/public/models/safetune-demo`,
    datasetDir: `${root}/public/datasets`,
    advbenchPath: `${root}/../shared/data/advbench/harmful_behaviors.csv`,
    advbenchLimit: 200, // the first 200 of AdvBench's 520 goals: the evaluation's time goes to the held-out sets
    publicShare: { harmful: 0, benign: 0 }, // the public mix is a trial (corpus/public-mix.ts): README, "The demo model"
    publicDataDir: `${root}/../shared/data`,
    corpus: {
      pretrainRows: steps * batchSize,
      harmfulShare: 0.3,
      benignEvalNewTemplate: 20,
      benignEvalPerHeldOutFamily: 6,
      scaryBenign: 40,
      harmfulEvalPerKind: 60,
      taskTrain: 300,
      taskEval: 84, // every held-out phrasing × opener of the identity task (7 facts × 3 × 4)
      adversarial: 100,
      mixedTask: 270,
      mixedAdversarial: 30,
      probe: 40,
    },
    tokenizer: { corpusRows: 20000, maxMerges: 1024, minPairCount: 8 },
    model: { hiddenSize: 64, intermediateSize: 256, numLayers: 4, numHeads: 2, numKvHeads: 2, maxPositionEmbeddings: 512 },
    steps,
    batchSize,
    batching: { batchesPerChunk: 16, lengthMultiple: 8 },
    train: { lr: 6e-3, warmupSteps: 20, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, maxGradNorm: 1, logEvery: 25, lossRowBucket: 64, firstTokenWeight: 4 },
    eval: { maxNewTokens: 32, batchSize: 64 },
  };
}

/**
 * The smoke build (`--quick`, and the end-to-end test): the same pipeline end to end with a model and corpus small
 * enough to finish in well under a minute. Its numbers mean nothing; it checks that every stage runs and every file
 * is written and loadable.
 */
export function quickBuildOptions(root: string): DemoBuildOptions {
  const full = fullBuildOptions(root);
  const steps = 30;
  const batchSize = 16;
  return {
    ...full,
    advbenchLimit: 16,
    corpus: {
      pretrainRows: steps * batchSize,
      harmfulShare: 0.3,
      benignEvalNewTemplate: 1,
      benignEvalPerHeldOutFamily: 1,
      scaryBenign: 4,
      harmfulEvalPerKind: 4,
      taskTrain: 20,
      taskEval: 8,
      adversarial: 10,
      mixedTask: 18,
      mixedAdversarial: 2,
      probe: 6,
    },
    tokenizer: { corpusRows: 400, maxMerges: 200, minPairCount: 2 },
    model: { hiddenSize: 32, intermediateSize: 64, numLayers: 1, numHeads: 2, numKvHeads: 1, maxPositionEmbeddings: 512 },
    steps,
    batchSize,
    train: { ...full.train, warmupSteps: 5, logEvery: 10 },
    eval: { maxNewTokens: 12, batchSize: 64 },
  };
}
