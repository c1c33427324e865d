import { describe, expect, it } from 'vitest';
import { isSafeTuneError } from '../../engine/errors';
import { applyColumnMapping } from '../../engine/data/parsing/columns';
import { countRowFormats, detectFormat } from '../../engine/data/parsing/detect-format';
import type { RawRow } from '../../engine/data/parsing/parsed-file';
import { rowFormatOf } from '../../engine/data/parsing/row-formats';
import { toExamples } from '../../engine/data/parsing/to-example';
import type { Example, RowFormat } from '../../engine/data/types';

const rows = (...fields: Record<string, unknown>[]): RawRow[] =>
  fields.map((f, i) => ({ fields: f, source: { file: 'f.jsonl', line: i + 1 } }));

/** The conversation of a single valid row, or its rejection reason. */
function convert(format: RowFormat, fields: Record<string, unknown>): Example | string {
  const { examples, rejected } = toExamples(rows(fields), format);
  return examples[0] ?? rejected[0]!.reason;
}

const chat = (messages: { role: string; content: string }[], completionStart = 0) => ({
  kind: 'chat',
  messages,
  completionStart,
  source: { file: 'f.jsonl', line: 1 },
});

describe('format detection', () => {
  it('recognises each format from its fields, most specific first', () => {
    expect(rowFormatOf(['messages', 'prompt'])).toBe('messages');
    expect(rowFormatOf(['conversations', 'id'])).toBe('sharegpt');
    expect(rowFormatOf(['prompt', 'completion'])).toBe('prompt-completion');
    expect(rowFormatOf(['instruction', 'input', 'output', 'text'])).toBe('alpaca');
    expect(rowFormatOf(['question', 'context', 'answer'])).toBe('question-context-answer');
    expect(rowFormatOf(['question', 'answer'])).toBe('question-answer');
    expect(rowFormatOf(['text', 'meta'])).toBe('text');
    expect(rowFormatOf(['prompt', 'chosen', 'rejected'])).toBeUndefined();
  });

  it('takes the majority of the rows, so a few odd rows do not decide', () => {
    const detection = detectFormat(rows({ question: 'q', answer: 'a' }, { text: 't' }, { question: 'q', answer: 'a' }, { x: 1 }), 'f.jsonl');
    expect(detection.format).toBe('question-answer');
    expect(detection.votes).toEqual({ 'question-answer': 2, text: 1, unrecognised: 1 });
  });

  it('fails with the fields seen (and their counts) and a hint when nothing matches', () => {
    let error: unknown;
    try {
      detectFormat(rows({ goal: 'g', target: 't' }, { goal: 'g', target: 't', id: 3 }), 'harmful.csv');
    } catch (e) {
      error = e;
    }
    expect(isSafeTuneError(error) && error.code).toBe('bad-dataset');
    const { message, hint } = error as { message: string; hint: string };
    expect(message).toBe('harmful.csv: the rows match no known format. Fields seen in the first 2 rows: "goal" (2 rows), "target" (2 rows), "id" (1 row).');
    expect(hint).toMatch(/prompt-completion \(prompt \+ completion\)/);
    expect(hint).toMatch(/"prompt": "goal"/);
  });

  it('counts every row by the format its fields match', () => {
    expect(countRowFormats(rows({ text: 'a' }, { text: 'b' }, {}))).toEqual({ text: 2, unrecognised: 1 });
  });
});

describe('column mapping', () => {
  it('renames mapped columns to format fields', () => {
    const mapped = applyColumnMapping(rows({ goal: 'g', target: 't', id: 1 }), { prompt: 'goal', completion: 'target' }, 'a.csv');
    expect(mapped[0]!.fields).toEqual({ id: 1, prompt: 'g', completion: 't' });
  });

  it('names a mapped column that no row has, and a target that is no format field', () => {
    expect(() => applyColumnMapping(rows({ goal: 'g' }), { prompt: 'gaol' }, 'a.csv')).toThrow(
      'Column mapping "prompt" → "gaol": a.csv has no column "gaol" (its columns: "goal").',
    );
    expect(() => applyColumnMapping(rows({ goal: 'g' }), { query: 'goal' }, 'a.csv')).toThrow('"query" is not a field of any row format');
  });
});

describe('rows → examples', () => {
  it('messages: the conversation as is, system allowed, ShareGPT-style items accepted, text parts joined', () => {
    expect(
      convert('messages', {
        messages: [
          { role: 'system', content: 'S' },
          { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
          { from: 'gpt', value: 'A' },
        ],
      }),
    ).toEqual(chat([{ role: 'system', content: 'S' }, { role: 'user', content: 'ab' }, { role: 'assistant', content: 'A' }]));
  });

  it('sharegpt: human / gpt / system roles, and an optional top-level system prompt', () => {
    expect(
      convert('sharegpt', { system: 'Sys', conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }, { from: 'human', value: 'Q2' }, { from: 'gpt', value: 'A2' }] }),
    ).toEqual(
      chat([
        { role: 'system', content: 'Sys' },
        { role: 'user', content: 'Q' },
        { role: 'assistant', content: 'A' },
        { role: 'user', content: 'Q2' },
        { role: 'assistant', content: 'A2' },
      ]),
    );
  });

  it('prompt-completion: strings stay plain text; message lists become a conversation trained from the completion', () => {
    expect(convert('prompt-completion', { prompt: 'P', completion: ' C' })).toEqual({
      kind: 'completion',
      prompt: 'P',
      completion: ' C',
      source: { file: 'f.jsonl', line: 1 },
    });
    expect(
      convert('prompt-completion', {
        prompt: [{ role: 'user', content: 'few-shot Q' }, { role: 'assistant', content: 'few-shot A' }, { role: 'user', content: 'Q' }],
        completion: [{ role: 'assistant', content: 'A' }],
      }),
    ).toEqual(
      chat(
        [
          { role: 'user', content: 'few-shot Q' },
          { role: 'assistant', content: 'few-shot A' },
          { role: 'user', content: 'Q' },
          { role: 'assistant', content: 'A' },
        ],
        3,
      ),
    );
  });

  it('alpaca: the input follows the instruction after a blank line, only when it is not blank', () => {
    expect(convert('alpaca', { instruction: 'Translate.', input: 'Bonjour', output: 'Hello' })).toEqual(
      chat([{ role: 'user', content: 'Translate.\n\nBonjour' }, { role: 'assistant', content: 'Hello' }]),
    );
    expect(convert('alpaca', { instruction: 'Say hi.', input: ' ', output: 'Hi' })).toEqual(
      chat([{ role: 'user', content: 'Say hi.' }, { role: 'assistant', content: 'Hi' }]),
    );
    expect(convert('alpaca', { instruction: 'Say hi.', output: 'Hi', system: 'Be kind.' })).toEqual(
      chat([{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Say hi.' }, { role: 'assistant', content: 'Hi' }]),
    );
  });

  it('question-answer keeps the whole answer; question-context-answer puts the context, a blank line, then the question', () => {
    expect(convert('question-answer', { question: 'Q?', answer: 'Work: 1+1=2\n#### 2' })).toEqual(
      chat([{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'Work: 1+1=2\n#### 2' }]),
    );
    expect(convert('question-context-answer', { question: 'How many?', context: 'CREATE TABLE t (a INT)', answer: 'SELECT COUNT(*) FROM t' })).toEqual(
      chat([{ role: 'user', content: 'CREATE TABLE t (a INT)\n\nHow many?' }, { role: 'assistant', content: 'SELECT COUNT(*) FROM t' }]),
    );
  });

  it('text: the text as is', () => {
    expect(convert('text', { text: 'Once upon a time.' })).toEqual({ kind: 'text', text: 'Once upon a time.', source: { file: 'f.jsonl', line: 1 } });
  });

  it('rejects invalid rows with a reason naming the field', () => {
    const cases: [RowFormat, Record<string, unknown>, string][] = [
      ['question-answer', { question: 'Q' }, 'has no "answer" field (its fields: "question")'],
      ['question-answer', { question: 'Q', answer: 42 }, '"answer" is a number, not text'],
      ['question-answer', { question: 'Q', answer: null }, '"answer" is null'],
      ['question-answer', { question: 'Q', answer: '  ' }, '"answer" is empty: nothing to learn from'],
      ['question-answer', { question: '', answer: 'A' }, '"question" is empty'],
      ['alpaca', { instruction: '', input: '', output: 'x' }, '"instruction" and "input" are both empty'],
      ['alpaca', { instruction: 'i', output: 'x', input: ['a'] }, '"input" is a list, not text'],
      ['prompt-completion', { prompt: 'P', completion: '' }, '"completion" is empty: nothing to learn from'],
      ['prompt-completion', { prompt: 'P', completion: [{ role: 'assistant', content: 'A' }] }, '"prompt" is a string and "completion" is a list: both must be text, or both lists of messages'],
      ['prompt-completion', { prompt: [{ role: 'user', content: 'Q' }], completion: [{ role: 'user', content: 'A' }] }, '"completion" has no assistant message to learn from'],
      ['messages', { messages: 'hi' }, '"messages" is a string, not a list of messages'],
      ['messages', { messages: [] }, '"messages" is an empty list'],
      ['messages', { messages: [{ role: 'user', content: 'Q' }] }, '"messages" has no assistant message to learn from'],
      ['messages', { messages: [{ role: 'user', content: 'Q' }, { role: 'tool', content: '{}' }] }, 'messages[1] has the role "tool"; SafeTune reads system, user (human) and assistant (gpt, model)'],
      ['messages', { messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: null }] }, 'messages[1] has null as content, not text'],
      ['messages', { messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: '' }] }, 'the assistant message messages[1] is empty'],
      ['messages', { messages: [{ content: 'Q' }] }, 'messages[0] has no "role" (or ShareGPT "from") text'],
      ['messages', { messages: [7] }, 'messages[0] is a number, not a message object'],
      ['messages', { messages: [{ role: 'user', content: [{ type: 'image', url: 'x' }] }] }, 'messages[0].content[0] is not a text part ({"type": "text", "text": "..."})'],
      ['text', { text: '' }, '"text" is empty'],
      ['text', { text: { nested: true } }, '"text" is an object, not text'],
    ];
    for (const [format, fields, reason] of cases) expect(convert(format, fields), JSON.stringify(fields)).toBe(reason);
  });

  it('keeps the valid rows of a mixed batch and lists the others with their lines', () => {
    const { examples, rejected } = toExamples(rows({ text: 'a' }, { text: 5 }, { text: 'c' }), 'text');
    expect(examples.map((e) => e.source.line)).toEqual([1, 3]);
    expect(rejected).toEqual([{ source: { file: 'f.jsonl', line: 2 }, reason: '"text" is a number, not text' }]);
  });
});
