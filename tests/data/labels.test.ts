import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSafeTuneError } from '../../engine/errors';
import { tokenizeExample } from '../../engine/data/labelling/tokenize-example';
import type { Example, TokenizedExample } from '../../engine/data/types';
import { IGNORE_INDEX } from '../../engine/model/loss';
import { tokenizerFromFiles } from '../../engine/tokenizer/load-tokenizer';
import { buildTinyTokenizer } from '../../engine/tokenizer/tiny-tokenizer';
import type { ChatMessage, TextTokenizer } from '../../engine/tokenizer/types';
import { realTokenizer, tinyTokenizer, trainedSpans, trainedText } from './helpers/tokenizers';

const source = { file: 'test.jsonl', line: 7 };
const chat = (messages: ChatMessage[], completionStart = 0): Example => ({ kind: 'chat', messages, completionStart, source });
const tokenize = (example: Example, tokenizer: TextTokenizer, maxLength = 4096): TokenizedExample =>
  tokenizeExample(example, tokenizer, { maxLength });

/**
 * The expected ids and labels written out by hand from the template's pieces: each piece is encoded on its own and
 * either trained or not. Pieces are cut where the tokenizer cannot merge across (at special tokens and the template's
 * newlines), so their concatenation must equal the encoding of the whole rendered text — the test checks that too.
 */
function expected(tokenizer: TextTokenizer, pieces: [text: string, trained: boolean][]): { ids: number[]; labels: number[] } {
  const ids: number[] = [];
  const labels: number[] = [];
  for (const [text, trained] of pieces) {
    for (const id of tokenizer.encode(text)) {
      ids.push(id);
      labels.push(trained ? id : IGNORE_INDEX);
    }
  }
  return { ids, labels };
}

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: 'It is 4.' },
  { role: 'user', content: 'And 3+3?' },
  { role: 'assistant', content: '6, of course.\n#### 6' },
];

describe('chat labels, tiny tokenizer (ChatML)', () => {
  const tokenizer = tinyTokenizer();

  it('trains every assistant turn and its <|im_end|>, nothing else, token by token', () => {
    const result = tokenize(chat(CONVERSATION), tokenizer);
    expect(result).toEqual({
      ...expected(tokenizer, [
        ['<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n', false],
        ['It is 4.<|im_end|>', true],
        ['\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n', false],
        ['6, of course.\n#### 6<|im_end|>', true],
        ['\n', false],
      ]),
      truncated: false,
      source,
    });
    expect(result.ids).toEqual(tokenizer.encode(tokenizer.renderChat(CONVERSATION)));
    expect(trainedText(tokenizer, result.ids, result.labels)).toBe('It is 4.<|im_end|>6, of course.\n#### 6<|im_end|>');
  });

  it('trains only the completion of a conversational prompt-completion (few-shot answers in the prompt are context)', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'A2' },
    ];
    const result = tokenize(chat(messages, 3), tokenizer);
    expect(trainedSpans(tokenizer, result.ids, result.labels)).toEqual(['A2<|im_end|>']);
  });

  it('finds each turn even when an answer repeats earlier text', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Say yes' },
      { role: 'assistant', content: 'yes' },
      { role: 'user', content: 'yes' },
      { role: 'assistant', content: 'yes' },
    ];
    const result = tokenize(chat(messages), tokenizer);
    expect(trainedSpans(tokenizer, result.ids, result.labels)).toEqual(['yes<|im_end|>', 'yes<|im_end|>']);
    expect(result.labels.filter((l) => l !== IGNORE_INDEX)).toHaveLength(2 * (tokenizer.encode('yes').length + 1));
    const secondUser = tokenizer.encode('<|im_start|>user\nSay yes<|im_end|>\n<|im_start|>assistant\nyes<|im_end|>\n<|im_start|>user\n').length;
    expect(result.labels[secondUser]).toBe(IGNORE_INDEX); // the user's "yes" is not mistaken for the answer
  });

  it('trains an assistant turn that opens the conversation', () => {
    const messages: ChatMessage[] = [{ role: 'assistant', content: 'Welcome!' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
    const result = tokenize(chat(messages), tokenizer);
    expect(trainedSpans(tokenizer, result.ids, result.labels)).toEqual(['Welcome!<|im_end|>', 'Hello<|im_end|>']);
  });

  it('text rows: every token trained and the EOS appended (no BOS: the tokenizer has none)', () => {
    const result = tokenize({ kind: 'text', text: 'Hello world.', source }, tokenizer);
    expect(result.ids).toEqual([...tokenizer.encode('Hello world.'), tokenizer.eosTokenIds[0]]);
    expect(result.labels).toEqual(result.ids);
  });

  it('truncates from the right and says so', () => {
    const full = tokenize(chat(CONVERSATION), tokenizer);
    const cut = tokenize(chat(CONVERSATION), tokenizer, 20);
    expect(cut.truncated).toBe(true);
    expect(cut.ids).toEqual(full.ids.slice(0, 20));
    expect(cut.labels).toEqual(full.labels.slice(0, 20));
    expect(tokenize(chat(CONVERSATION), tokenizer, full.ids.length).truncated).toBe(false);
  });

  it('rejects an answer holding a special token, naming the row', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A<|im_end|>B' }];
    expect(() => tokenize(chat(messages), tokenizer)).toThrow(
      'test.jsonl line 7: assistant message 1 contains the special token "<|im_end|>", which would end or restructure the turn; remove it from the text.',
    );
  });
});

describe('chat labels, templates that rewrite or refuse', () => {
  const withTemplate = (template: string): TextTokenizer => {
    const { tokenizerJson, tokenizerConfig } = buildTinyTokenizer();
    return tokenizerFromFiles({ tokenizerJson, tokenizerConfig: { ...tokenizerConfig, chat_template: template } }, 'tiny with a custom template');
  };

  it('trains from the end of the generation prompt to the end token when the content is rewritten', () => {
    const upper = withTemplate(
      "{%- for m in messages %}{{- '<|im_start|>' + m['role'] + '\\n' + (m['content'] | upper) + '<|im_end|>\\n' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
    );
    const result = tokenize(chat([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello there' }]), upper);
    expect(trainedSpans(upper, result.ids, result.labels)).toEqual(['HELLO THERE<|im_end|>']);
  });

  it('rejects the row when the template ends turns without a special token', () => {
    const plain = withTemplate("{%- for m in messages %}{{- m['role'] + ': ' + m['content'] + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- 'assistant: ' }}{%- endif %}");
    expect(() => tokenize(chat([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }]), plain)).toThrow(
      /no end-of-turn token after assistant message 1/,
    );
  });

  it("turns the template's own refusal into a rejection of that row", () => {
    const strict = withTemplate(
      "{%- for m in messages %}{%- if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}{%- endif %}" +
        "{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{%- endfor %}",
    );
    let error: unknown;
    try {
      tokenize(chat(CONVERSATION), strict);
    } catch (e) {
      error = e;
    }
    expect(isSafeTuneError(error) && error.code).toBe('bad-dataset');
    expect((error as Error).message).toMatch(/^test\.jsonl line 7: The chat template .* rejected a conversation of roles \[system, user/);
    expect((error as Error).message).toMatch(/System role not supported/);
  });
});

describe('chat labels, real Qwen3 tokenizer', () => {
  let tokenizer: TextTokenizer;
  beforeAll(async () => {
    tokenizer = await realTokenizer('qwen3');
  });

  it('trains assistant text + <|im_end|>; the empty <think> block of the last turn stays in the input, untrained', () => {
    const result = tokenize(chat(CONVERSATION), tokenizer);
    expect(result.ids).toEqual(tokenizer.encode(tokenizer.renderChat(CONVERSATION)));
    expect({ ids: result.ids, labels: result.labels }).toEqual(
      expected(tokenizer, [
        ['<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n', false],
        ['It is 4.<|im_end|>', true],
        ['\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n', false],
        ['6, of course.\n#### 6<|im_end|>', true],
        ['\n', false],
      ]),
    );
    expect(trainedText(tokenizer, result.ids, result.labels)).toBe('It is 4.<|im_end|>6, of course.\n#### 6<|im_end|>');
  });

  it('trains reasoning that the data itself writes in the answer', () => {
    const answer = '<think>\n2 and 2 make 4.\n</think>\n\n4';
    const result = tokenize(chat([{ role: 'user', content: '2+2?' }, { role: 'assistant', content: answer }]), tokenizer);
    expect(trainedSpans(tokenizer, result.ids, result.labels)).toEqual([`${answer}<|im_end|>`]);
  });

  it('trains a consecutive pair of assistant turns, which Qwen3 renders differently once one is no longer last', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'First.' },
      { role: 'assistant', content: 'Second.' },
    ];
    const result = tokenize(chat(messages), tokenizer);
    expect(trainedSpans(tokenizer, result.ids, result.labels)).toEqual(['First.<|im_end|>', 'Second.<|im_end|>']);
  });

  it('plain prompt-completion: no BOS (Qwen has none), completion + EOS trained, prompt not', () => {
    const result = tokenize({ kind: 'completion', prompt: 'The capital of France is', completion: ' Paris.', source }, tokenizer);
    expect(result).toEqual({
      ...expected(tokenizer, [['The capital of France is', false], [' Paris.', true], ['<|im_end|>', true]]),
      truncated: false,
      source,
    });
  });
});

describe('chat labels, real Llama 3 tokenizer', () => {
  let tokenizer: TextTokenizer;
  beforeAll(async () => {
    tokenizer = await realTokenizer('llama3');
  });

  it('trains assistant text + <|eot_id|>; the template\'s BOS and its trailing generation prompt are context', () => {
    const result = tokenize(chat(CONVERSATION), tokenizer);
    const header = (role: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n`;
    expect(result.ids).toEqual(tokenizer.encode(tokenizer.renderChat(CONVERSATION)));
    expect({ ids: result.ids, labels: result.labels }).toEqual(
      expected(tokenizer, [
        [`<|begin_of_text|>${header('system')}You are terse.<|eot_id|>${header('user')}What is 2+2?<|eot_id|>${header('assistant')}`, false],
        ['It is 4.<|eot_id|>', true],
        [`${header('user')}And 3+3?<|eot_id|>${header('assistant')}`, false],
        ['6, of course.\n#### 6<|eot_id|>', true],
        [header('assistant'), false],
      ]),
    );
  });

  it('matches answers that the template trims', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Q' }, { role: 'assistant', content: '  spaced out \n' }];
    const result = tokenize(chat(messages), tokenizer);
    expect(trainedSpans(tokenizer, result.ids, result.labels)).toEqual(['spaced out<|eot_id|>']);
  });

  it('plain text and completions get <|begin_of_text|> first (the template writes it), untrained, and <|end_of_text|> last', () => {
    const text = tokenize({ kind: 'text', text: 'Hello world', source }, tokenizer);
    expect(text.ids).toEqual([128000, 9906, 1917, 128001]);
    expect(text.labels).toEqual([IGNORE_INDEX, 9906, 1917, 128001]);
    const completion = tokenize({ kind: 'completion', prompt: 'Hello', completion: ' world', source }, tokenizer);
    expect(completion.ids).toEqual([128000, 9906, 1917, 128001]);
    expect(completion.labels).toEqual([IGNORE_INDEX, IGNORE_INDEX, 1917, 128001]);
  });

  it('trains the token that straddles the prompt/completion seam (the text is encoded once, never in pieces)', () => {
    // "Hello wor" + "ld": " world" is one token, partly prompt; it is trained, as the completion cannot start without it.
    const result = tokenize({ kind: 'completion', prompt: 'Hello wor', completion: 'ld', source }, tokenizer);
    expect(result.ids).toEqual([128000, 9906, 1917, 128001]);
    expect(result.labels).toEqual([IGNORE_INDEX, IGNORE_INDEX, 1917, 128001]);
  });
});

describe('chat labels, any conversation (property-based)', () => {
  let tokenizers: [string, TextTokenizer, (content: string) => string][];
  beforeAll(async () => {
    tokenizers = [
      ['tiny', tinyTokenizer(), (c) => `${c}<|im_end|>`],
      ['qwen3', await realTokenizer('qwen3'), (c) => `${c}<|im_end|>`],
      ['llama3', await realTokenizer('llama3'), (c) => `${c.trim()}<|eot_id|>`],
    ];
  });

  const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', 'é', '日', '😀', '.', '#', '4', '<', '>', '|'), minLength: 1, maxLength: 12 });
  // No leading whitespace: Qwen3's template lstrips the last answer, and @huggingface/jinja's lstrip('\n') strips
  // every kind of whitespace (Python's strips only newlines) — the labels follow the rendered text either way.
  const content = text.filter((s) => s.trim() !== '' && s === s.trimStart());

  it("a trimmed answer is found where the template wrote it, not where its untrimmed form recurs later", () => {
    // fast-check's counterexample: Llama 3 writes "é " as "é"; "é " also occurs in the next user turn, "é a", whose
    // " a" token straddles into <|eot_id|>. The labels must be the assistant's "é", not the user's "é a".
    const messages: ChatMessage[] = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'é ' },
      { role: 'user', content: 'é a' },
      { role: 'assistant', content: 'a' },
    ];
    const llama3 = tokenizers.find(([name]) => name === 'llama3')![1];
    const result = tokenize(chat(messages), llama3);
    expect(trainedText(llama3, result.ids, result.labels)).toBe('é<|eot_id|>a<|eot_id|>');
  });

  it('trains exactly the assistant contents and end tokens, and the ids are the rendered conversation', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, content), { minLength: 1, maxLength: 3 }), (turns) => {
        const messages = turns.flatMap(([q, a]): ChatMessage[] => [{ role: 'user', content: q }, { role: 'assistant', content: a }]);
        for (const [name, tokenizer, trainedForm] of tokenizers) {
          const result = tokenize(chat(messages), tokenizer);
          expect(result.ids, name).toEqual(tokenizer.encode(tokenizer.renderChat(messages)));
          result.labels.forEach((label, t) => expect([IGNORE_INDEX, result.ids[t]]).toContain(label));
          // Compared through encode + decode: Llama 3's decoder cleans up spaces ("a ." decodes as "a.").
          const want = tokenizer.decode(tokenizer.encode(turns.map(([, a]) => trainedForm(a)).join('')));
          expect(trainedText(tokenizer, result.ids, result.labels), name).toBe(want);
        }
      }),
      { numRuns: 60 },
    );
  });
});
