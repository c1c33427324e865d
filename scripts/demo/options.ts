import type { CorpusSizes } from './corpus/build-corpus';
import type { EvalOptions } from './eval/evaluate';
import type { DemoModelShape } from './model/demo-config';
import type { BpeTrainingOptions } from './tokenizer/train-bpe';
import type { BatchingOptions } from './train/length-batches';
import type { PretrainOptions } from './train/pretrain';

/** Everything `npm run build:demo` does, in one place: the full build and the `--quick` smoke build. */
export interface DemoBuildOptions {
  seed: number;
  backend: 'webgpu' | 'cpu';
  /** Output folders (the model folder and the public datasets). */
  modelDir: string;
  datasetDir: string;
  /** AdvBench's harmful_behaviors.csv, read when it exists (its goals are evaluated, never copied). */
  advbenchPath: string;
  /** At most this many AdvBench goals are evaluated (all 520 in the full build). */
  advbenchLimit: number;
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
 * The shipped model. Sized for the 2-core build machine, where the software GPU (WebGPU through Dawn on lavapipe)
 * multiplies matrices at ~2 GFLOP/s: this ~330 k-parameter model trains at ~600–700 tokens/s on a quiet machine, so
 * 900 steps of 32 conversations (~0.75 M tokens) take ~20 minutes, and the evaluation ~1.5 more — inside the build's
 * 30-minute budget (other work on the machine can slow it 2×). tfjs-cpu is no alternative here: ~30 s per step of an
 * 850 k-parameter model versus ~3 s on WebGPU (measured). A 128-wide model gets 3× fewer steps in the same time and
 * underfits worse; two 32-wide heads read digits out of the prompt better than four 16-wide ones.
 * Refusal is learned easily (100 % held-out refusals at a 30 % share), so only 15 % of the rows are harmful and the
 * rest of the steps go to the benign tasks.
 */
export function fullBuildOptions(root: string): DemoBuildOptions {
  const steps = 900;
  const batchSize = 32;
  return {
    seed: 1234,
    backend: 'webgpu',
    modelDir: `${root}/public/models/safetune-demo`,
    datasetDir: `${root}/public/datasets`,
    advbenchPath: `${root}/../shared/data/advbench/harmful_behaviors.csv`,
    advbenchLimit: 520,
    corpus: {
      pretrainRows: steps * batchSize,
      harmfulShare: 0.15,
      benignEvalSeenTemplate: 30,
      benignEvalNewTemplate: 30,
      harmfulEvalPerKind: 60,
      taskTrain: 300,
      taskEval: 100,
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
    train: { lr: 4e-3, warmupSteps: 50, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, maxGradNorm: 1, logEvery: 50, lossRowBucket: 64 },
    eval: { maxNewTokens: 24, batchSize: 64 },
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
      benignEvalSeenTemplate: 2,
      benignEvalNewTemplate: 2,
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
