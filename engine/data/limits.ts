import { clipText } from '../util/clip-text';

/**
 * Size limits on dataset input, in one place. A dataset is untrusted input: without them a 200 MB single-line JSON
 * Lines file runs for minutes and dies with V8's "invalid size" at 4.8 GB.
 */
export interface DatasetLimits {
  /** Bytes in one dataset file (the whole file is decoded in memory; V8 strings stop near 512 M characters). */
  maxFileBytes: number;
  /**
   * Characters in one row's text (its messages, prompt and completion, or text, together). Longer rows are cut there
   * before tokenizing (and reported): with maxLength up to 8192 tokens of at most ~120 characters each, the tokens kept
   * after truncation come from the first million characters anyway.
   */
  maxRowChars: number;
  /** Characters of one JSON Lines line read as a row; a longer line is rejected unread (JSON escapes need room). */
  maxLineChars: number;
  /** Characters of a rejected row's reason (reasons quote the data) in reports and errors. */
  maxReasonChars: number;
}

export const DATASET_LIMITS: DatasetLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxRowChars: 1_000_000,
  maxLineChars: 4_000_000,
  maxReasonChars: 300,
};

export function datasetLimits(overrides: Partial<DatasetLimits> | undefined): DatasetLimits {
  return { ...DATASET_LIMITS, ...overrides };
}

/** `text` cut to `max` characters, ending in "… [N characters cut]": for reasons and previews that quote untrusted data. */
export function clip(text: string, max: number): string {
  return clipText(text, max);
}

/** "3.2 MB" */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}
