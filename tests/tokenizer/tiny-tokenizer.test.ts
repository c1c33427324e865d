import { PreTrainedTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { buildTinyTokenizer } from '../../engine/tokenizer/tiny-tokenizer';
import type { ChatMessage, TextTokenizer } from '../../engine/tokenizer/types';
import { MemoryModelFiles } from './memory-model-files';

/** The tiny tokenizer as `cli make-tiny` would write it: two JSON files in a model folder. */
function tinyFiles(options?: Parameters<typeof buildTinyTokenizer>[0]): MemoryModelFiles {
  const tiny = buildTinyTokenizer(options);
  return new MemoryModelFiles('tiny test model', {
    'tokenizer.json': JSON.stringify(tiny.tokenizerJson),
    'tokenizer_config.json': JSON.stringify(tiny.tokenizerConfig),
  });
}

function vocabOf(tiny: ReturnType<typeof buildTinyTokenizer>): Record<string, number> {
  const model = tiny.tokenizerJson['model'] as { vocab: Record<string, number> };
  return model.vocab;
}

describe('buildTinyTokenizer', () => {
  const tiny = buildTinyTokenizer();
  let tokenizer: TextTokenizer;

  beforeAll(async () => {
    tokenizer = await loadTokenizer(tinyFiles());
  });

  it('is deterministic and small: 256 bytes + merges + 3 special tokens, at most 512', () => {
    expect(JSON.stringify(buildTinyTokenizer())).toBe(JSON.stringify(tiny));
    const vocab = vocabOf(tiny);
    const merges = (tiny.tokenizerJson['model'] as { merges: string[] }).merges;
    expect(Object.keys(vocab)).toHaveLength(256 + merges.length);
    expect(merges.length).toBeGreaterThanOrEqual(50);
    expect(tiny.vocabSize).toBe(256 + merges.length + 3);
    expect(tiny.vocabSize).toBeLessThanOrEqual(512);
    expect(tokenizer.vocabSize).toBe(tiny.vocabSize);
    // Byte tokens: id = byte value, spelled in GPT-2's byte-level alphabet.
    expect(vocab['!']).toBe(33);
    expect(vocab['Ġ']).toBe(32); // space
    expect(vocab['Ċ']).toBe(10); // newline
  });

  it('merges common English into single tokens and spells anything else in bytes', () => {
    const vocab = vocabOf(tiny);
    expect(tokenizer.encode('Hello world')).toEqual([vocab['Hello'], vocab['Ġworld']]);
    expect(tokenizer.encode(' the')).toEqual([262]); // the 7th merge: " t" + "he"
    expect(tokenizer.encode('!?')).toEqual([33, 63]);
    expect(tokenizer.encode('é')).toEqual([0xc3, 0xa9]); // its two UTF-8 bytes
  });

  it('round-trips arbitrary Unicode text exactly (no normalizer)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const ids = tokenizer.encode(text);
        expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize)).toBe(true);
        expect(tokenizer.decode(ids)).toBe(text);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('renders ChatML and encodes its markers as the special tokens', () => {
    const conversation: ChatMessage[] = [
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'Hi!' },
      { role: 'assistant', content: 'Hello there.' },
    ];
    expect(tokenizer.hasChatTemplate).toBe(true);
    expect(tokenizer.renderChat(conversation)).toBe(
      '<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\nHello there.<|im_end|>\n',
    );
    const prompt = tokenizer.renderChat(conversation.slice(0, 2), { addGenerationPrompt: true });
    expect(prompt).toBe('<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n');

    const { '<|endoftext|>': endoftext, '<|im_start|>': imStart, '<|im_end|>': imEnd } = tiny.specialTokenIds;
    expect([endoftext, imStart, imEnd]).toEqual([tiny.vocabSize - 3, tiny.vocabSize - 2, tiny.vocabSize - 1]);
    expect(tokenizer.encode('<|endoftext|><|im_start|><|im_end|>')).toEqual([endoftext, imStart, imEnd]);
    const ids = tokenizer.encode(prompt);
    expect(ids.filter((id) => id === imStart)).toHaveLength(3);
    expect(ids.filter((id) => id === imEnd)).toHaveLength(2);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('system\nBe kind.\nuser\nHi!\nassistant\n');
    expect(tokenizer.eosTokenIds).toEqual([imEnd]);
    expect(tokenizer.padTokenId).toBe(endoftext);
    expect(tokenizer.bosTokenId).toBeUndefined();
  });

  it('tokenizes and renders exactly as transformers does from the same files', () => {
    const reference = new PreTrainedTokenizer(tiny.tokenizerJson, tiny.tokenizerConfig);
    const text = 'The cat sat on the mat.\n\nIt is the 2nd time — naïve café, 🐈!';
    expect(tokenizer.encode(text)).toEqual(reference.encode(text, { add_special_tokens: false }));
    const messages: ChatMessage[] = [{ role: 'user', content: text }];
    expect(tokenizer.renderChat(messages, { addGenerationPrompt: true })).toBe(
      reference.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true }),
    );
  });

  it('uses only the first mergeCount merges and the given modelMaxLength, rejecting bad values', async () => {
    const bytesOnly = await loadTokenizer(tinyFiles({ mergeCount: 0 }));
    expect(bytesOnly.vocabSize).toBe(259);
    expect(bytesOnly.encode('Hi there')).toEqual([...new TextEncoder().encode('Hi there')]);
    expect(() => buildTinyTokenizer({ mergeCount: 10_000 })).toThrow(SafeTuneError);
    expect(() => buildTinyTokenizer({ mergeCount: -1 })).toThrow(/mergeCount -1/);
    expect(buildTinyTokenizer({ modelMaxLength: 128 }).tokenizerConfig['model_max_length']).toBe(128);
    expect(() => buildTinyTokenizer({ modelMaxLength: 0 })).toThrow(/modelMaxLength 0/);
  });
});
