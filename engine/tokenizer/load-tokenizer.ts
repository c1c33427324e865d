import type { ModelFiles } from '../weights/model-files';
import { HfTokenizer } from './hf-tokenizer';
import { readTokenizerFiles, type TokenizerFileSet } from './tokenizer-files';
import type { TextTokenizer } from './types';

/**
 * The model's tokenizer from its folder (bundled, hub or local — anything behind ModelFiles): tokenizer.json and
 * tokenizer_config.json, plus special_tokens_map.json, generation_config.json and chat_template.jinja when present.
 * Nothing is fetched by the tokenizer library itself, so it behaves the same in a worker and in Node.
 * Throws SafeTuneError('bad-tokenizer') naming the file when one is missing or malformed.
 */
export async function loadTokenizer(files: ModelFiles): Promise<TextTokenizer> {
  return new HfTokenizer(await readTokenizerFiles(files), files.description);
}

/** The same from files already parsed (e.g. the tiny tokenizer `buildTinyTokenizer` generates). */
export function tokenizerFromFiles(files: TokenizerFileSet, description: string): TextTokenizer {
  return new HfTokenizer(files, description);
}
