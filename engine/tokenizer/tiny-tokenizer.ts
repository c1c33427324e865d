import { SafeTuneError } from '../errors';
import { BYTE_TO_CHAR, toByteLevel } from './byte-level';
import type { JsonObject } from './json';

/**
 * A small but real byte-level BPE tokenizer in Hugging Face's tokenizer.json format, for tiny test models (what
 * `cli make-tiny` writes beside random weights). GPT-2 style: the 256 byte tokens (id = byte value), then one token
 * per merge of common English pairs, then the special tokens <|endoftext|>, <|im_start|>, <|im_end|>. No normalizer,
 * so any Unicode text round-trips exactly. The config carries a ChatML chat template and eos_token <|im_end|>.
 * Deterministic: the same options always give byte-identical files.
 */

/**
 * Common English pairs, in merge order (a pair may only use tokens made by merges above it). Written as plain text;
 * " " is a space, spelled "Ġ" in the byte-level alphabet. The first rows are roughly the first merges GPT-2 learned.
 */
const ENGLISH_MERGES: readonly (readonly [string, string])[] = [
  [' ', 't'], [' ', 'a'], ['h', 'e'], ['i', 'n'], ['r', 'e'], ['o', 'n'], [' t', 'he'], ['e', 'r'], [' ', 's'],
  ['a', 't'], [' ', 'w'], [' ', 'o'], ['e', 'n'], [' ', 'c'], ['i', 't'], ['i', 's'], ['a', 'n'], ['o', 'r'],
  ['e', 's'], [' ', 'b'], ['e', 'd'], [' ', 'f'], ['in', 'g'], [' ', 'p'], ['o', 'u'], [' a', 'n'], ['a', 'r'],
  ['a', 'l'], [' t', 'o'], [' ', 'm'], [' o', 'f'], [' ', 'in'], [' ', 'd'], [' ', 'h'], [' an', 'd'], ['i', 'c'],
  ['a', 's'], ['l', 'e'], ['t', 'h'], [' ', 'th'], ['l', 'l'], [' ', 're'], [' ', 'l'], [' ', 'n'], [' ', 'y'],
  [' ', 'i'], ['o', 'w'], ['l', 'd'], ['s', 't'], ['v', 'e'], ['c', 'h'], [' ', 'I'], [' i', 's'], [' i', 't'],
  [' o', 'n'], [' w', 'h'], [' b', 'e'], [' f', 'or'], [' y', 'ou'], [' th', 'at'], ['i', 'th'], [' w', 'ith'],
  ['e', 'll'], [' w', 'or'], [' wor', 'ld'], [' ', 'H'], ['H', 'ell'], ['Hell', 'o'], [' H', 'ell'], [' Hell', 'o'],
  ['\n', '\n'], ['.', '\n'],
];

/** Special tokens, in id order after the merges. */
export const TINY_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
export type TinySpecialToken = (typeof TINY_SPECIAL_TOKENS)[number];

/** ChatML, as Qwen2.5-style models render it (no default system prompt). */
export const TINY_CHAT_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

const MAX_VOCAB = 512;

export interface TinyTokenizerOptions {
  /** How many of the built-in English merges to use, from the first (default: all of them). */
  mergeCount?: number;
  /** `model_max_length` written to tokenizer_config.json (default 2048). */
  modelMaxLength?: number;
}

export interface TinyTokenizer {
  /** Contents of tokenizer.json. */
  tokenizerJson: JsonObject;
  /** Contents of tokenizer_config.json. */
  tokenizerConfig: JsonObject;
  /** Highest id + 1: the smallest `vocab_size` a model using this tokenizer can have (always <= 512). */
  vocabSize: number;
  /** Id of each special token (<|im_end|> is the EOS, <|endoftext|> the pad), for config.json / generation_config.json. */
  specialTokenIds: Record<TinySpecialToken, number>;
}

export function buildTinyTokenizer(options: TinyTokenizerOptions = {}): TinyTokenizer {
  const mergeCount = options.mergeCount ?? ENGLISH_MERGES.length;
  if (!Number.isInteger(mergeCount) || mergeCount < 0 || mergeCount > ENGLISH_MERGES.length) {
    throw new SafeTuneError(
      'bad-argument',
      `Tiny tokenizer mergeCount ${mergeCount} is out of range.`,
      `Use an integer from 0 to ${ENGLISH_MERGES.length}.`,
    );
  }

  const modelMaxLength = options.modelMaxLength ?? 2048;
  if (!Number.isInteger(modelMaxLength) || modelMaxLength < 1) {
    throw new SafeTuneError(
      'bad-argument',
      `Tiny tokenizer modelMaxLength ${modelMaxLength} is not a positive integer.`,
      'Pass the longest sequence (in tokens) the tiny model is meant for, e.g. 2048.',
    );
  }

  const vocab: JsonObject = {};
  let nextId = 0;
  for (const char of BYTE_TO_CHAR) vocab[char] = nextId++;

  const merges: string[] = [];
  for (const [left, right] of ENGLISH_MERGES.slice(0, mergeCount)) {
    const [a, b] = [toByteLevel(left), toByteLevel(right)];
    // Both halves must already be tokens, or the merge could never fire: a typo in the table, caught here.
    if (vocab[a] === undefined || vocab[b] === undefined) {
      throw new Error(`tiny tokenizer merge table: "${left}" + "${right}" uses a token no earlier merge makes`);
    }
    if (vocab[a + b] !== undefined) throw new Error(`tiny tokenizer merge table: "${left}${right}" is made twice`);
    merges.push(`${a} ${b}`); // byte-level tokens never contain a real space, so "a b" is unambiguous
    vocab[a + b] = nextId++;
  }

  const specialTokenIds = {} as Record<TinySpecialToken, number>;
  const addedTokens = TINY_SPECIAL_TOKENS.map((content) => ({
    id: nextId++,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  for (const { id, content } of addedTokens) specialTokenIds[content] = id;
  if (nextId > MAX_VOCAB) throw new Error(`tiny tokenizer vocabulary grew to ${nextId} > ${MAX_VOCAB}`);

  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson: JsonObject = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };

  const addedTokensDecoder: JsonObject = {};
  for (const { id, ...token } of addedTokens) addedTokensDecoder[String(id)] = token;
  const tokenizerConfig: JsonObject = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    added_tokens_decoder: addedTokensDecoder,
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: null,
    add_bos_token: false,
    add_prefix_space: false,
    clean_up_tokenization_spaces: false,
    split_special_tokens: false,
    errors: 'replace',
    model_max_length: modelMaxLength,
    chat_template: TINY_CHAT_TEMPLATE,
  };

  return { tokenizerJson, tokenizerConfig, vocabSize: nextId, specialTokenIds };
}
