import type { ByteSource } from './byte-source';

/**
 * A model folder: config.json, tokenizer files and the safetensors shard(s), wherever they come from (the bundled demo
 * model, a Hugging Face hub id, a dropped local folder, a directory on disk in Node).
 */
export interface ModelFiles {
  /** Where the files come from, for messages: "local folder ./m", "hub HuggingFaceTB/SmolLM2-135M", "bundled demo". */
  readonly description: string;
  /** Whether `path` (relative to the model folder, e.g. "config.json") exists. */
  has(path: string): Promise<boolean>;
  /** The file's bytes. Throws SafeTuneError('missing-file') naming the file when it is absent. */
  open(path: string): Promise<ByteSource>;
  /** The file as UTF-8 text. Throws SafeTuneError('missing-file') naming the file when it is absent. */
  text(path: string): Promise<string>;
  /**
   * Every file path in the folder, where the source can tell (a plain URL base cannot). Only used to make error
   * messages say what the folder does hold ("it has pytorch_model.bin, config.json").
   */
  list?(): Promise<string[]>;
}
