import type { FormatCounts } from './parsing/detect-format';
import type { HistogramBin, LengthStats } from './length-stats';
import type { DatasetFileType } from './parsing/parsed-file';
import type { RejectedRow } from './row-ref';
import type { RowFormat } from './types';

/** One file read for the dataset. */
export interface FileSummary {
  fileName: string;
  fileType: DatasetFileType;
  role: 'train' | 'validation';
  /** Rows in the file: parsed ones and ones that failed to parse. */
  rows: number;
}

/** What the loader made of the dataset: shown before training starts (UI panel, CLI `data-report`), kept in the run record. */
export interface DatasetReport {
  files: FileSummary[];
  format: RowFormat;
  /** 'detected' from the rows' fields, or 'chosen' by the caller. */
  formatSource: 'detected' | 'chosen';
  /** Every row of every file by the format its fields match ('unrecognised': none), whichever format was used. */
  rowsByFormat: FormatCounts;
  rowsTotal: number;
  /** Rows that ended up as training or validation examples. */
  rowsUsed: number;
  /** Rows not used, for any reason (parse error, wrong fields, template refusal, nothing trained after truncation). */
  rejectedTotal: number;
  /** The first rejected rows, in file order, with their reasons. */
  rejected: RejectedRow[];
  split: {
    train: number;
    validation: number;
    validationFrom: 'none' | 'fraction' | 'file';
    /** The fraction asked for, when validationFrom is 'fraction'. */
    fraction?: number;
    seed: number;
  };
  maxLength: number;
  /** Token lengths of every tokenized row (training and validation), before truncation. */
  tokens: LengthStats;
  /** The same lengths binned for the UI's histogram. */
  histogram: HistogramBin[];
  /** Rows longer than maxLength, cut to it. */
  truncated: number;
  /** Rows that truncation left with no trained token: dropped (and listed among the rejected rows). */
  dropped: number;
  /** Tokens the loss is taken on in one pass over the training set. */
  trainedTokens: number;
  /** Tokens processed in one pass over the training set (after truncation, before padding). */
  tokensPerEpoch: number;
  /** Things worth a look that did not stop the load. */
  warnings: string[];
}
