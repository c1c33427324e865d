import { describe, expect, it } from 'vitest';
import { isSafeTuneError, type SafeTuneError } from '../../engine/errors';
import { formatReport } from '../../engine/data/format-report';
import { loadDataset, type LoadDatasetOptions } from '../../engine/data/load-dataset';
import type { TokenizedExample } from '../../engine/data/types';
import { IGNORE_INDEX } from '../../engine/model/loss';
import { jsonl, utf8 } from './helpers/fixtures';
import { messagesColumn, writeParquet } from './helpers/parquet-writer';
import { tinyTokenizer, trainedText } from './helpers/tokenizers';

const tokenizer = tinyTokenizer();
const load = (text: string | Uint8Array, fileName: string, options: Partial<LoadDatasetOptions> = {}) =>
  loadDataset(typeof text === 'string' ? utf8(text) : text, fileName, tokenizer, { maxLength: 512, ...options });

async function failure(promise: Promise<unknown>): Promise<SafeTuneError> {
  try {
    await promise;
  } catch (e) {
    if (isSafeTuneError(e)) return e;
    throw e;
  }
  throw new Error('expected a SafeTuneError');
}

const qa = (i: number) => ({ question: `What is ${i} plus ${i}?`, answer: `It is ${2 * i}.` });
const lines = (n: number) => jsonl(...Array.from({ length: n }, (_, i) => qa(i)));

describe('loadDataset', () => {
  it('detects the format, keeps the valid rows, and reports the rejected ones with line and reason', async () => {
    const text = [
      JSON.stringify(qa(1)),
      '{"question": "broken"',
      JSON.stringify({ question: 'Q', answer: 7 }),
      '',
      JSON.stringify(qa(2)),
      JSON.stringify({ text: 'stray text row' }),
    ].join('\n');
    const { train, validation, report } = await load(text, 'qa.jsonl');
    expect(train.map((e) => e.source.line)).toEqual([1, 5]);
    expect(validation).toEqual([]);
    expect(trainedText(tokenizer, train[0]!.ids, train[0]!.labels)).toBe('It is 2.<|im_end|>');
    expect(report.format).toBe('question-answer');
    expect(report.formatSource).toBe('detected');
    expect(report.rowsByFormat).toEqual({ 'question-answer': 3, text: 1 });
    expect(report.rowsTotal).toBe(5);
    expect(report.rowsUsed).toBe(2);
    expect(report.rejectedTotal).toBe(3);
    expect(report.rejected.map((r) => [r.source.line, r.reason.replace(/\(.*\)/, '(…)')])).toEqual([
      [2, 'not valid JSON (…)'],
      [3, '"answer" is a number, not text'],
      [6, 'has no "question" field (…)'],
    ]);
  });

  it('computes the token statistics, histogram and epoch totals from the examples themselves', async () => {
    const rows = [qa(1), { question: 'A much longer question with many more words in it, to be sure?', answer: 'Yes, and a longer answer too.' }, qa(3)];
    const { train, report } = await load(jsonl(...rows), 'qa.jsonl');
    const lengths = train.map((e) => e.ids.length);
    const sorted = [...lengths].sort((a, b) => a - b);
    expect(report.tokens).toMatchObject({ min: sorted[0], median: sorted[1], p95: sorted[2], max: sorted[2] });
    expect(report.histogram.reduce((n, b) => n + b.count, 0)).toBe(3);
    for (const length of lengths) {
      expect(report.histogram.find((b) => b.from <= length && length < b.to)!.count).toBeGreaterThan(0);
    }
    expect(report.tokensPerEpoch).toBe(lengths.reduce((a, b) => a + b, 0));
    const trained = (e: TokenizedExample) => e.labels.slice(1).filter((l) => l !== IGNORE_INDEX).length;
    expect(report.trainedTokens).toBe(train.reduce((n, e) => n + trained(e), 0));
    expect(report.truncated).toBe(0);
  });

  it('honours a chosen format, failing the file with its first bad rows when none fits', async () => {
    const error = await failure(load(lines(5), 'qa.jsonl', { format: 'alpaca' }));
    expect(error.code).toBe('bad-dataset');
    expect(error.message).toMatch(/^None of the 5 rows of qa\.jsonl is a valid alpaca row: qa\.jsonl line 1: has no "instruction" field/);
    expect(error.message).toMatch(/; and 2 more\.$/);
  });

  it('fails a file whose every line is broken, naming the first lines', async () => {
    const error = await failure(load('{bad\n{worse\n', 'x.jsonl'));
    expect(error.message).toMatch(/^None of the 2 rows of x\.jsonl could be parsed: x\.jsonl line 1: not valid JSON .*; x\.jsonl line 2: not valid JSON/);
  });

  it('reads goal/target CSV columns through a column mapping', async () => {
    const csv = 'goal,target\r\n"Write a poem, please","Sure, here is a poem"\r\nSay hi,"Sure, hi"\r\n';
    const { train, report } = await load(csv, 'pairs.csv', { columns: { prompt: 'goal', completion: 'target' } });
    expect(report.format).toBe('prompt-completion');
    expect(train.map((e) => e.source.line)).toEqual([2, 3]);
    expect(tokenizer.decode(train[0]!.ids)).toBe('Write a poem, pleaseSure, here is a poem<|im_end|>');
    const chat = await load(csv, 'pairs.csv', { columns: { question: 'goal', answer: 'target' } });
    expect(trainedText(tokenizer, chat.train[1]!.ids, chat.train[1]!.labels)).toBe('Sure, hi<|im_end|>');
  });

  it('splits off a seeded, deterministic validation fraction', async () => {
    const text = lines(40);
    const a = await load(text, 'qa.jsonl', { validation: 0.25, seed: 1 });
    const b = await load(text, 'qa.jsonl', { validation: 0.25, seed: 1, maxLength: 64 });
    const c = await load(text, 'qa.jsonl', { validation: 0.25, seed: 2 });
    const linesOf = (examples: TokenizedExample[]) => examples.map((e) => e.source.line);
    expect(a.validation).toHaveLength(10);
    expect(a.train).toHaveLength(30);
    expect([...linesOf(a.train), ...linesOf(a.validation)].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(linesOf(b.validation)).toEqual(linesOf(a.validation)); // the split does not depend on maxLength
    expect(linesOf(c.validation)).not.toEqual(linesOf(a.validation));
    expect(a.report.split).toEqual({ train: 30, validation: 10, validationFrom: 'fraction', fraction: 0.25, seed: 1 });
  });

  it('reports tokenization progress, ending at the total', async () => {
    const calls: [number, number][] = [];
    await load(lines(250), 'qa.jsonl', { validation: 0.2, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls.every(([, total]) => total === 250)).toBe(true);
    expect(calls.map(([done]) => done)).toEqual([100, 200, 250]); // 200 train rows, then 50 validation rows
  });

  it('warns instead of splitting a single row', async () => {
    const { train, validation, report } = await load(lines(1), 'qa.jsonl', { validation: 0.2 });
    expect([train.length, validation.length]).toEqual([1, 0]);
    expect(report.warnings).toEqual(['Only 1 usable row: no validation split; everything trains.']);
  });

  it('reads a separate validation file in the training file\'s format, any file type', async () => {
    const validationCsv = 'question,answer\nQ1,A1\nQ2,\n';
    const { train, validation, report } = await load(lines(3), 'train.jsonl', {
      validation: { bytes: new Blob([utf8(validationCsv)]), fileName: 'val.csv' },
    });
    expect(train).toHaveLength(3);
    expect(validation.map((e) => e.source)).toEqual([{ file: 'val.csv', line: 2 }]);
    expect(report.files).toEqual([
      { fileName: 'train.jsonl', fileType: 'jsonl', role: 'train', rows: 3 },
      { fileName: 'val.csv', fileType: 'csv', role: 'validation', rows: 2 },
    ]);
    expect(report.rejected).toEqual([{ source: { file: 'val.csv', line: 3 }, reason: '"answer" is empty: nothing to learn from' }]);
    expect(report.split.validationFrom).toBe('file');
  });

  it('truncates long rows, drops the ones left with nothing to train, and says so', async () => {
    const long = { question: 'word '.repeat(60), answer: 'Short.' };
    const { train, report } = await load(jsonl(qa(1), long, qa(2)), 'qa.jsonl', { maxLength: 48 });
    expect(train.map((e) => e.ids.length).every((n) => n < 48)).toBe(true); // the short rows fit
    expect(train.map((e) => e.source.line)).toEqual([1, 3]);
    expect(report.truncated).toBe(1);
    expect(report.dropped).toBe(1);
    expect(report.rejected[0]!.reason).toMatch(/^no trained token is left after truncation to 48 tokens \(the row has \d+\)$/);
    expect(report.tokens.max).toBeGreaterThan(48); // lengths are reported before truncation
    expect(report.warnings[0]).toMatch(/^1 row is longer than maxLength 48 and loses its end/);
    expect(formatReport(report)).toContain('maxLength 48: 1 row truncated, 1 row dropped (truncation left it no trained token)');

    const error = await failure(load(jsonl(long), 'qa.jsonl', { maxLength: 48 }));
    expect(error.message).toMatch(/could be tokenized: qa\.jsonl line 1: no trained token is left/);
    expect(error.hint).toMatch(/Raise maxLength/);
  });

  it('loads Parquet conversations (list<struct> messages column)', async () => {
    const parquet = writeParquet({
      ...messagesColumn([
        [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }],
        [{ role: 'user', content: 'No answer' }],
      ]),
      codec: 'snappy',
    });
    const { train, report } = await load(parquet, 'train-00000-of-00001.parquet');
    expect(report.format).toBe('messages');
    expect(trainedText(tokenizer, train[0]!.ids, train[0]!.labels)).toBe('Hello<|im_end|>');
    expect(report.rejected).toEqual([{ source: { file: 'train-00000-of-00001.parquet', line: 2, unit: 'row' }, reason: '"messages" has no assistant message to learn from' }]);
  });

  it('refuses bad options with bad-argument', async () => {
    for (const options of [{ maxLength: 1 }, { maxLength: 1.5 }, { validation: 1 }, { validation: -0.1 }, { seed: 0.5 }, { columns: { nope: 'x' } }]) {
      expect((await failure(load(lines(2), 'qa.jsonl', options))).code, JSON.stringify(options)).toBe('bad-argument');
    }
  });

  it('formats the report for the terminal', async () => {
    const { report } = await load(`${lines(4)}{"question": 1, "answer": "x"}\n`, 'qa.jsonl', { validation: 0.25 });
    const text = formatReport(report);
    expect(text).toContain('Dataset: qa.jsonl (JSON Lines, 5 rows)');
    expect(text).toContain('Format: question-answer (detected; rows by fields: question-answer 5)');
    expect(text).toContain('Rows: 5 read, 4 used, 1 rejected');
    expect(text).toContain('Split: 3 train, 1 validation (25% of the rows, seed 0)');
    expect(text).toMatch(/Tokens per row \(before truncation\): min \d+, median \d+, p95 \d+, max \d+, mean [\d.]+/);
    expect(text).toMatch(/Per epoch: \d+ tokens, \d+ of them trained/);
    expect(text).toContain('  qa.jsonl line 5: "question" is a number, not text');
    // Nothing dropped reads as the good news it is (it read "0 dropped (nothing left to train)").
    expect(text).toContain('maxLength 512: 0 rows truncated, no row dropped');
  });

  it('reads a .txt file by its name as plain text: one text example a line, named by its own line number', async () => {
    // A BOM, CRLF, a blank line, leading spaces, a comma and a JSON-looking line: each line is text as written.
    const text = '\uFEFFalpha beta, gamma\r\n\r\n  indented line\r\n{"question": "q", "answer": "a"}\n';
    const { train, report } = await load(text, 'x.txt');
    expect(report.format).toBe('text');
    expect(report.files).toEqual([{ fileName: 'x.txt', fileType: 'text', role: 'train', rows: 3 }]);
    expect(train.map((e) => e.source)).toEqual([1, 3, 4].map((line) => ({ file: 'x.txt', line })));
    expect(trainedText(tokenizer, train[1]!.ids, train[1]!.labels)).toContain('  indented line');
    expect(report.rejectedTotal).toBe(0);
    expect(formatReport(report)).toContain('Dataset: x.txt (plain text, 3 rows)');
    // Any case of the extension; a validation .txt beside a .jsonl is read the same way.
    expect((await load('one line\n', 'NOTES.TXT')).report.format).toBe('text');
    const mixed = await load(jsonl({ text: 'a row' }), 'train.jsonl', { validation: { bytes: utf8('held out\n'), fileName: 'val.txt' } });
    expect(mixed.validation.map((e) => e.source)).toEqual([{ file: 'val.txt', line: 1 }]);
  });

  it('names the line of a .txt file that is not UTF-8, and refuses an empty one', async () => {
    const error = await failure(load(new Uint8Array([0x61, 0x0a, 0x62, 0xff, 0x0a]), 'x.txt'));
    expect(error.message).toMatch(/x\.txt is not valid UTF-8 text: line 2/);
    expect((await failure(load(' \n\n', 'x.txt'))).message).toBe('x.txt is empty.');
  });
});
