/** engine/data: dataset files in every common format → conversations → tokens with completion-only labels + report. */
export type { Example, RowFormat, RowRef, TokenizedExample } from './types';
export { loadDataset, DATASET_DEFAULTS, type LoadDatasetOptions, type LoadedDataset } from './load-dataset';
export type { DatasetBytes, DatasetFile } from './dataset-bytes';
export { parseRows, type ParseRowsOptions } from './parse-rows';
export type { DatasetFileType, ParsedFile, RawRow } from './parsed-file';
export { detectFileType } from './file-type';
export { detectFormat, countRowFormats, type FormatDetection, type FormatCounts } from './detect-format';
export { ROW_FORMATS, KNOWN_FIELDS, rowFormatOf, type RowFormatSpec } from './row-formats';
export { applyColumnMapping, type ColumnMapping } from './columns';
export { toExamples } from './to-example';
export { tokenizeExample, type TokenizeOptions } from './tokenize-example';
export { splitByFraction } from './split';
export type { DatasetReport, FileSummary } from './report';
export { formatReport } from './format-report';
export { describeRow, type RejectedRow } from './row-ref';
export type { HistogramBin, LengthStats } from './length-stats';
