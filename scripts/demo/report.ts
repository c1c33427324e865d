import type { DemoMetrics } from './eval/evaluate';
import type { DemoBuildOptions } from './options';
import type { PretrainStats } from './train/pretrain';

/** What one build measured: the model card and demo_metrics.json are written from this alone. */
export interface BuildReport {
  quick: boolean;
  options: DemoBuildOptions;
  /** Build machine, as the card states it ("2 CPU cores, WebGPU via Dawn on llvmpipe"). */
  machine: string;
  parameters: number;
  vocabSize: number;
  merges: number;
  corpus: {
    pretrainRows: number;
    distinctPretrainRequests: number;
    harmfulRows: number;
    rowsPerGroup: Record<string, number>;
    meanTokensPerRow: number;
  };
  train: PretrainStats;
  seconds: { corpusAndTokenizer: number; training: number; evaluation: number; total: number };
  metrics: DemoMetrics;
  advbenchUsed: boolean;
  /** Bytes of each file of the model folder (the card itself excluded). */
  modelFiles: Record<string, number>;
}
