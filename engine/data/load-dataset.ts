import { SafeTuneError } from '../errors';
import type { TextTokenizer } from '../tokenizer/types';
import type { LabelledTokens } from './labelling/chat-labels';
import { applyColumnMapping, checkColumnMapping, type ColumnMapping } from './parsing/columns';
import type { DatasetBytes, DatasetFile } from './parsing/dataset-bytes';
import { countRowFormats, detectFormat, type FormatCounts } from './parsing/detect-format';
import { lengthHistogram, lengthStats } from './length-stats';
import { clip, datasetLimits, type DatasetLimits } from './limits';
import { cutExample } from './labelling/cut-example';
import type { DatasetFileType, ParsedFile } from './parsing/parsed-file';
import { parseRows } from './parsing/parse-rows';
import type { DatasetReport, FileSummary } from './report';
import { describeRejections, type RejectedRow } from './row-ref';
import { isRowFormat } from './parsing/row-formats';
import { RowProblem } from './row-problem';
import { splitByFraction } from './split';
import { toExamples } from './parsing/to-example';
import { labelExample } from './labelling/tokenize-example';
import { trainedTokenCount, truncateTokens } from './labelling/truncate';
import type { Example, RowFormat, TokenizedExample } from './types';

/** Loader defaults, in one place (the UI and the CLI show them). */
export const DATASET_DEFAULTS = {
  seed: 0,
  maxListedRejections: 20,
  histogramBins: 20,
} as const;

export interface LoadDatasetOptions {
  /** Longest sequence in tokens; longer rows are cut (right truncation). */
  maxLength: number;
  /** The row format; detected from the rows' fields when absent. */
  format?: RowFormat;
  /** Which file columns play which format fields, e.g. { prompt: 'goal', completion: 'target' }. */
  columns?: ColumnMapping;
  /** The file type, when neither the extension nor the content tells. */
  fileType?: DatasetFileType;
  /** Validation data: a fraction of the rows (seeded split) or a separate file read the same way. */
  validation?: number | DatasetFile;
  /** Seed of the validation split (default 0). */
  seed?: number;
  /** How many rejected rows the report lists (default 20; all are counted). */
  maxListedRejections?: number;
  /** Bars in the token-length histogram (default 20). */
  histogramBins?: number;
  /**
   * Called as rows are tokenized (every 100 rows, and once at the end) — the slow part: a GSM8K-sized file takes
   * seconds with a real tokenizer. For a progress bar in the UI.
   */
  onProgress?: (done: number, total: number) => void;
  /** Size limits on the files and rows (DATASET_LIMITS by default). */
  limits?: Partial<DatasetLimits>;
}

export interface LoadedDataset {
  train: TokenizedExample[];
  validation: TokenizedExample[];
  report: DatasetReport;
}

/**
 * A dataset file → tokenized training and validation examples with completion-only labels, and the report shown
 * before training: parse (any file type) → map columns → detect or check the row format → rows to conversations →
 * split off validation → tokenize with the model's chat template → truncate.
 *
 * Bad rows are rejected with their line and reason and the rest is used. Throws SafeTuneError('bad-dataset') when a
 * file is unreadable or none of its rows is usable (naming the first bad rows), and ('bad-argument') for bad options.
 */
export async function loadDataset(
  bytes: DatasetBytes,
  fileName: string,
  tokenizer: TextTokenizer,
  options: LoadDatasetOptions,
): Promise<LoadedDataset> {
  checkOptions(options);
  const seed = options.seed ?? DATASET_DEFAULTS.seed;
  const warnings: string[] = [];

  const trainFile = await readExamples(bytes, fileName, 'train', options, options.format);
  const format = trainFile.format;
  let trainExamples = trainFile.examples;
  let validationExamples: Example[] = [];
  const sources = [trainFile];
  if (typeof options.validation === 'number') {
    ({ train: trainExamples, validation: validationExamples } = splitByFraction(trainExamples, options.validation, seed));
    if (options.validation > 0 && validationExamples.length === 0) {
      warnings.push(`Only ${trainExamples.length} usable row: no validation split; everything trains.`);
    }
  } else if (options.validation !== undefined) {
    const { bytes: validationBytes, fileName: validationName } = options.validation;
    const validationFile = await readExamples(validationBytes, validationName, 'validation', options, format);
    validationExamples = validationFile.examples;
    sources.push(validationFile);
  }

  const total = trainExamples.length + validationExamples.length;
  const progress = (done: number) => options.onProgress?.(done, total);
  const limits = datasetLimits(options.limits);
  const train = tokenizeAll(trainExamples, tokenizer, options.maxLength, limits.maxRowChars, progress);
  const validation = tokenizeAll(validationExamples, tokenizer, options.maxLength, limits.maxRowChars, (done) => progress(trainExamples.length + done));
  if (train.examples.length === 0) throw noneUsable(fileName, [...train.rejected].sort(byPosition([fileName])), 'tokenized');
  const cut = train.cut + validation.cut;
  if (cut > 0) {
    warnings.push(`${cut} row${cut === 1 ? ' was' : 's were'} longer than ${limits.maxRowChars} characters and cut there before tokenizing.`);
  }

  // Reasons quote the data (a role name, a JSON error's excerpt): clipped, so a hostile row cannot flood the report.
  const rejected = [...sources.flatMap((s) => s.rejected), ...train.rejected, ...validation.rejected].map((r) => ({
    source: r.source,
    reason: clip(r.reason, limits.maxReasonChars),
  }));
  rejected.sort(byPosition(sources.map((s) => s.summary.fileName)));
  const lengths = [...train.lengths, ...validation.lengths];
  const truncated = train.truncated + validation.truncated;
  const dropped = train.dropped + validation.dropped;
  if (truncated > 0) {
    const stats = lengthStats(lengths);
    warnings.push(
      `${truncated} row${truncated === 1 ? ' is' : 's are'} longer than maxLength ${options.maxLength} and ` +
        `${truncated === 1 ? 'loses its' : 'lose their'} end` +
        (stats.p95 > options.maxLength ? ` (95% of rows fit in ${stats.p95} tokens).` : '.'),
    );
  }

  const report: DatasetReport = {
    files: sources.map((s) => s.summary),
    format,
    formatSource: options.format === undefined ? 'detected' : 'chosen',
    rowsByFormat: mergeCounts(sources.map((s) => s.formatCounts)),
    rowsTotal: sources.reduce((n, s) => n + s.summary.rows, 0),
    rowsUsed: train.examples.length + validation.examples.length,
    rejectedTotal: rejected.length,
    rejected: rejected.slice(0, options.maxListedRejections ?? DATASET_DEFAULTS.maxListedRejections),
    split: {
      train: train.examples.length,
      validation: validation.examples.length,
      validationFrom: options.validation === undefined ? 'none' : typeof options.validation === 'number' ? 'fraction' : 'file',
      ...(typeof options.validation === 'number' ? { fraction: options.validation } : {}),
      seed,
    },
    maxLength: options.maxLength,
    tokens: lengthStats(lengths),
    histogram: lengthHistogram(lengths, options.histogramBins ?? DATASET_DEFAULTS.histogramBins),
    truncated,
    dropped,
    trainedTokens: train.examples.reduce((n, e) => n + trainedTokenCount(e.labels), 0),
    tokensPerEpoch: train.examples.reduce((n, e) => n + e.ids.length, 0),
    warnings,
  };
  return { train: train.examples, validation: validation.examples, report };
}

interface ReadFile {
  summary: FileSummary;
  format: RowFormat;
  formatCounts: FormatCounts;
  examples: Example[];
  rejected: RejectedRow[];
}

/** One file's usable examples: parsed, columns mapped, format detected (or `format`), rows converted. */
async function readExamples(
  bytes: DatasetBytes,
  fileName: string,
  role: 'train' | 'validation',
  options: LoadDatasetOptions,
  format: RowFormat | undefined,
): Promise<ReadFile> {
  const parsed: ParsedFile = await parseRows(bytes, fileName, {
    ...(options.fileType === undefined ? {} : { fileType: options.fileType }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const rows = applyColumnMapping(parsed.rows, options.columns, fileName);
  if (rows.length === 0) throw noneUsable(fileName, parsed.rejected, 'parsed');
  const chosen = format ?? detectFormat(rows, fileName).format;
  const { examples, rejected } = toExamples(rows, chosen);
  const allRejected = [...parsed.rejected, ...rejected].sort(byPosition([fileName]));
  if (examples.length === 0) throw noneUsable(fileName, allRejected, chosen);
  return {
    summary: { fileName, fileType: parsed.fileType, role, rows: parsed.rows.length + parsed.rejected.length },
    format: chosen,
    formatCounts: countRowFormats(rows),
    examples,
    rejected: allRejected,
  };
}

interface TokenizedSet {
  examples: TokenizedExample[];
  lengths: number[];
  truncated: number;
  dropped: number;
  /** Rows cut at the character limit before tokenizing. */
  cut: number;
  rejected: RejectedRow[];
}

const PROGRESS_EVERY = 100;

function tokenizeAll(
  examples: readonly Example[],
  tokenizer: TextTokenizer,
  maxLength: number,
  maxRowChars: number,
  progress: (done: number) => void,
): TokenizedSet {
  const set: TokenizedSet = { examples: [], lengths: [], truncated: 0, dropped: 0, cut: 0, rejected: [] };
  for (const [i, whole] of examples.entries()) {
    if (i % PROGRESS_EVERY === 0 && i > 0) progress(i);
    const { example, cut } = cutExample(whole, maxRowChars);
    if (cut) set.cut++;
    let full: LabelledTokens;
    try {
      full = labelExample(example, tokenizer);
    } catch (e) {
      if (!(e instanceof RowProblem)) throw e;
      set.rejected.push({ source: example.source, reason: e.message });
      continue;
    }
    set.lengths.push(full.ids.length);
    const { ids, labels, truncated } = truncateTokens(full, maxLength);
    if (truncated) set.truncated++;
    if (trainedTokenCount(labels) === 0) {
      set.dropped++;
      set.rejected.push({
        source: example.source,
        reason: `no trained token is left after truncation to ${maxLength} tokens (the row has ${full.ids.length})`,
      });
      continue;
    }
    set.examples.push({ ids, labels, truncated, source: example.source });
  }
  progress(examples.length);
  return set;
}

function checkOptions(options: LoadDatasetOptions): void {
  const { maxLength, validation, seed, format, columns } = options;
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    throw badOption(`maxLength ${maxLength} is not usable.`, 'Use a whole number of tokens, at least 2 (512–2048 is typical).');
  }
  if (typeof validation === 'number' && !(validation >= 0 && validation < 1)) {
    throw badOption(`Validation fraction ${validation} is out of range.`, 'Use a fraction from 0 (none) to below 1, e.g. 0.1.');
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw badOption(`Seed ${seed} is not a whole number.`, 'Use an integer seed, e.g. 0.');
  }
  if (format !== undefined && !isRowFormat(format)) {
    throw badOption(`Unknown row format "${String(format)}".`, 'Leave the format out to detect it, or choose a listed one.');
  }
  if (columns !== undefined) checkColumnMapping(columns);
}

function badOption(message: string, hint: string): SafeTuneError {
  return new SafeTuneError('bad-argument', message, hint);
}

function noneUsable(fileName: string, rejected: readonly RejectedRow[], stage: string): SafeTuneError {
  const what =
    stage === 'parsed' ? 'could be parsed' : stage === 'tokenized' ? 'could be tokenized' : `is a valid ${stage} row`;
  return new SafeTuneError(
    'bad-dataset',
    rejected.length === 0
      ? `${fileName} has no rows.`
      : `None of the ${rejected.length} rows of ${fileName} ${what}: ${describeRejections(rejected)}.`,
    stage === 'tokenized' && rejected.some((r) => r.reason.startsWith('no trained token'))
      ? 'Raise maxLength so the answers fit, or shorten the prompts.'
      : 'Fix the rows named above; if every row fails the same way, check the format (or map the columns) and the ' +
          'file type.',
  );
}

/** Orders rejected rows by file (in the order given), then by line. */
function byPosition(files: readonly string[]): (a: RejectedRow, b: RejectedRow) => number {
  return (a, b) => files.indexOf(a.source.file) - files.indexOf(b.source.file) || a.source.line - b.source.line;
}

function mergeCounts(counts: readonly FormatCounts[]): FormatCounts {
  const merged: FormatCounts = {};
  for (const c of counts) {
    for (const [format, n] of Object.entries(c) as [keyof FormatCounts, number][]) merged[format] = (merged[format] ?? 0) + n;
  }
  return merged;
}
