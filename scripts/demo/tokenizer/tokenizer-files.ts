import { BYTE_TO_CHAR } from '../../../engine/tokenizer/byte-level';
import type { JsonObject } from '../../../engine/tokenizer/json';
import { TINY_CHAT_TEMPLATE } from '../../../engine/tokenizer/tiny-tokenizer';

/** Special tokens, in id order after the merges: pad, turn start, turn end (= EOS). */
export const DEMO_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
export type DemoSpecialToken = (typeof DEMO_SPECIAL_TOKENS)[number];

export interface DemoTokenizerFiles {
  tokenizerJson: JsonObject;
  tokenizerConfig: JsonObject;
  /** Highest id + 1 (the model's vocab_size). */
  vocabSize: number;
  specialTokenIds: Record<DemoSpecialToken, number>;
}

/**
 * tokenizer.json and tokenizer_config.json for learned byte-level BPE merges, in the same layout as the engine's tiny
 * tokenizer (which `loadTokenizer` is tested against): the 256 byte tokens (id = byte value), one token per merge in
 * merge order, then the special tokens; ChatML chat template; <|im_end|> ends a turn and is the EOS.
 */
export function demoTokenizerFiles(merges: readonly (readonly [string, string])[], modelMaxLength: number): DemoTokenizerFiles {
  const vocab: JsonObject = {};
  let nextId = 0;
  for (const char of BYTE_TO_CHAR) vocab[char] = nextId++;
  for (const [a, b] of merges) {
    if (vocab[a] === undefined || vocab[b] === undefined) throw new Error(`BPE merge "${a} ${b}" uses a token no earlier merge makes`);
    if (vocab[a + b] !== undefined) throw new Error(`BPE merge "${a} ${b}" makes a token that already exists`);
    vocab[a + b] = nextId++;
  }
  const addedTokens = DEMO_SPECIAL_TOKENS.map((content) => ({
    id: nextId++,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const specialTokenIds = Object.fromEntries(addedTokens.map((t) => [t.content, t.id])) as Record<DemoSpecialToken, number>;

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
      merges: merges.map(([a, b]) => `${a} ${b}`), // byte-level symbols never hold a real space
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
