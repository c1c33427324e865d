import { beforeAll, describe, expect, test } from 'vitest';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { IGNORE_INDEX } from '../../engine/model/loss';
import { buildCorpus } from '../../scripts/demo/corpus/build-corpus';
import { toMessages } from '../../scripts/demo/corpus/types';
import { quickBuildOptions } from '../../scripts/demo/options';
import { bpeTexts } from '../../scripts/demo/tokenizer/bpe-texts';
import { demoTokenizerFiles } from '../../scripts/demo/tokenizer/tokenizer-files';
import { preTokenize, trainByteLevelBpe } from '../../scripts/demo/tokenizer/train-bpe';
import { encodeRow } from '../../scripts/demo/train/encode-row';

const corpus = buildCorpus(3, { ...quickBuildOptions('.').corpus, pretrainRows: 1500 });
const merges = trainByteLevelBpe(bpeTexts(corpus.pretrain), { maxMerges: 400, minPairCount: 2 });
const files = demoTokenizerFiles(merges, 512);
let tokenizer: TextTokenizer;

beforeAll(async () => {
  // Through the same loader (and file layout) as a hub model folder.
  const enc = new TextEncoder();
  tokenizer = await loadTokenizer(
    new MemoryFiles({
      'tokenizer.json': enc.encode(JSON.stringify(files.tokenizerJson)),
      'tokenizer_config.json': enc.encode(JSON.stringify(files.tokenizerConfig)),
    }),
  );
});

describe('byte-level BPE trainer', () => {
  test('learns the corpus\' frequent words as single tokens', () => {
    expect(merges.length).toBe(400);
    for (const word of [' capital', ' sorry', 'assistant', 'user']) expect(tokenizer.encode(word), word).toHaveLength(1);
  });

  test('is deterministic', () => {
    expect(trainByteLevelBpe(bpeTexts(corpus.pretrain), { maxMerges: 400, minPairCount: 2 })).toEqual(merges);
  });

  test('stops at minPairCount and at maxMerges', () => {
    expect(trainByteLevelBpe(['ab ab ab', 'cd'], { maxMerges: 10, minPairCount: 2 })).toEqual([['a', 'b'], ['Ġ', 'ab']]);
    expect(trainByteLevelBpe(['ab ab', 'cd'], { maxMerges: 1, minPairCount: 1 })).toHaveLength(1);
  });

  test('never merges digits: every number is one token per digit', () => {
    const numeric = trainByteLevelBpe(['12 12 12 345 345 x1 x1'], { maxMerges: 50, minPairCount: 2 });
    expect(numeric.flat().some((s) => /[0-9]/.test(s))).toBe(false);
    expect(tokenizer.encode('180').map((id) => tokenizer.decode([id]))).toEqual(['1', '8', '0']);
    expect(tokenizer.encode(' 42').map((id) => tokenizer.decode([id]))).toEqual([' ', '4', '2']);
  });

  test('pre-tokenizes like the GPT-2 ByteLevel pre-tokenizer', () => {
    expect(preTokenize("I'm here, 12 ok\n")).toEqual(['I', "'m", 'Ġhere', ',', 'Ġ12', 'Ġok', 'Ċ']);
  });
});

describe('demo tokenizer files', () => {
  test('vocabulary: 256 bytes, the merges, then <|endoftext|> <|im_start|> <|im_end|>', () => {
    expect(files.vocabSize).toBe(256 + merges.length + 3);
    expect(tokenizer.vocabSize).toBe(files.vocabSize);
    expect(files.specialTokenIds).toEqual({ '<|endoftext|>': 256 + merges.length, '<|im_start|>': 257 + merges.length, '<|im_end|>': 258 + merges.length });
    expect(tokenizer.eosTokenIds).toEqual([files.specialTokenIds['<|im_end|>']]);
    expect(tokenizer.padTokenId).toBe(files.specialTokenIds['<|endoftext|>']);
  });

  test('round-trips every corpus conversation and arbitrary text (AdvBench-like words it never saw)', () => {
    for (const row of corpus.pretrain.slice(0, 200)) {
      const text = tokenizer.renderChat(toMessages(row));
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
    const odd = 'Zerstörung — naïve 🤖 exploit\ttabs';
    expect(tokenizer.decode(tokenizer.encode(odd))).toBe(odd);
  });

  test('chat template is ChatML', () => {
    expect(tokenizer.hasChatTemplate).toBe(true);
    expect(tokenizer.renderChat([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true })).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  });
});

describe('encodeRow', () => {
  test('equals the tokens of the whole rendered conversation up to <|im_end|>, labels on the answer and <|im_end|> only', () => {
    const eos = tokenizer.eosTokenIds[0]!;
    for (const row of [...corpus.pretrain.slice(0, 100), ...corpus.adversarial, ...corpus.taskTrain]) {
      const { ids, labels } = encodeRow(tokenizer, row);
      const whole = tokenizer.encode(tokenizer.renderChat(toMessages(row)));
      // The template ends the turn with "<|im_end|>\n"; training stops at <|im_end|> (generation stops there too).
      expect(ids).toEqual(whole.slice(0, whole.lastIndexOf(eos) + 1));
      const trained = ids.filter((_, i) => labels[i] !== IGNORE_INDEX);
      expect(tokenizer.decode(trained)).toBe(`${row.answer}<|im_end|>`);
      expect(labels.slice(0, labels.indexOf(trained[0]!)).every((l) => l === IGNORE_INDEX)).toBe(true);
    }
  });
});
