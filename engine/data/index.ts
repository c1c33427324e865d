/** engine/data: dataset files in every common format → conversations → tokens with completion-only labels + report. */
export type { Example, RowFormat, RowRef, TokenizedExample } from './types';
export { loadDataset, DATASET_DEFAULTS, type LoadDatasetOptions, type LoadedDataset } from './load-dataset';
export { DATASET_LIMITS, type DatasetLimits } from './limits';
export type { DatasetBytes, DatasetFile } from './parsing/dataset-bytes';
export { parseRows, type ParseRowsOptions } from './parsing/parse-rows';
export type { DatasetFileType, ParsedFile, RawRow } from './parsing/parsed-file';
export { detectFileType } from './parsing/file-type';
export { detectFormat, countRowFormats, type FormatDetection, type FormatCounts } from './parsing/detect-format';
export { ROW_FORMATS, KNOWN_FIELDS, rowFormatOf, type RowFormatSpec } from './parsing/row-formats';
export { applyColumnMapping, type ColumnMapping } from './parsing/columns';
export { toExamples } from './parsing/to-example';
export { tokenizeExample, type TokenizeOptions } from './labelling/tokenize-example';
export { splitByFraction } from './split';
export type { DatasetReport, FileSummary } from './report';
export { formatReport } from './format-report';
export { describeRow, type RejectedRow } from './row-ref';
export type { HistogramBin, LengthStats } from './length-stats';
