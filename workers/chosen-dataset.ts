import { loadDataset, type LoadedDataset } from '../engine/data/load-dataset';
import type { RowFormat } from '../engine/data/types';
import type { TextTokenizer } from '../engine/tokenizer/types';
import { parseRows } from '../engine/data/parsing/parse-rows';
import { toExamples } from '../engine/data/parsing/to-example';
import { samplePrompts, type SamplePrompt } from '../engine/run/sample-prompts';

/** A dataset file as loaded: its bytes are kept so a run can store them beside its checkpoints (resume after reload). */
export interface DatasetRequest {
  fileName: string;
  bytes: Uint8Array;
  format?: RowFormat;
  maxLength: number;
  validation?: number;
}

/**
 * The current dataset: the file, how it was asked to be read, and its tokenization for one tokenizer and max length
 * (redone when the model or the run's maxLength changes, so a run never trains on another tokenizer's ids).
 */
export class ChosenDataset {
  private cached: { tokenizer: TextTokenizer; maxLength: number; loaded: LoadedDataset } | undefined;

  constructor(readonly request: DatasetRequest) {}

  /** Whether `load` with these would return the last reading (no tokenization). */
  isCurrent(tokenizer: TextTokenizer, maxLength: number): boolean {
    return this.cached !== undefined && this.cached.tokenizer === tokenizer && this.cached.maxLength === maxLength;
  }

  /** The same file with another validation share (this one when the share is unchanged). */
  withValidation(validation: number | undefined): ChosenDataset {
    if (validation === undefined || validation === (this.request.validation ?? 0)) return this;
    const { validation: _old, ...rest } = this.request;
    return new ChosenDataset(validation > 0 ? { ...rest, validation } : rest);
  }

  /** `onProgress`: rows tokenized so far, of all (only when the file is read now, not when the last reading is reused). */
  async load(tokenizer: TextTokenizer, maxLength = this.request.maxLength, onProgress?: (done: number, total: number) => void): Promise<LoadedDataset> {
    const c = this.cached;
    if (c !== undefined && c.tokenizer === tokenizer && c.maxLength === maxLength) return c.loaded;
    // A .txt file is plain text, one example a line, by its name: the engine reads it so, as the CLI does on resume.
    const { fileName, validation, format } = this.request;
    const loaded = await loadDataset(this.request.bytes, fileName, tokenizer, {
      maxLength,
      ...(format === undefined ? {} : { format }),
      ...(validation === undefined ? {} : { validation }),
      ...(onProgress === undefined ? {} : { onProgress }),
    });
    this.cached = { tokenizer, maxLength, loaded };
    return loaded;
  }

  /** A few prompts of this file with their answers, for the sample generations a run shows at each evaluation. */
  async samplePrompts(format: RowFormat, count = 3): Promise<SamplePrompt[]> {
    const { fileName, bytes } = this.request;
    const parsed = await parseRows(bytes, fileName);
    // Enough rows to find `count` with a prompt even when the first ones are rejected.
    return samplePrompts(toExamples(parsed.rows.slice(0, count * 10), format).examples, count);
  }
}
