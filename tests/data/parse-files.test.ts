import { describe, expect, it } from 'vitest';
import { isSafeTuneError, type SafeTuneError } from '../../engine/errors';
import { detectFileType } from '../../engine/data/parsing/file-type';
import { parseRows } from '../../engine/data/parsing/parse-rows';
import { jsonl, utf8 } from './helpers/fixtures';
import { flatStringColumns, messagesColumn, writeParquet } from './helpers/parquet-writer';

async function rejectedWith(promise: Promise<unknown>): Promise<SafeTuneError> {
  try {
    await promise;
  } catch (e) {
    if (isSafeTuneError(e)) return e;
    throw e;
  }
  throw new Error('expected a SafeTuneError');
}

describe('JSON Lines', () => {
  it('reads one object per line, skipping blank lines, with 1-based line numbers (LF and CRLF)', async () => {
    for (const eol of ['\n', '\r\n']) {
      const text = ['{"text": "a"}', '', '   ', '{"text": "b"}', ''].join(eol);
      const parsed = await parseRows(utf8(text), 'rows.jsonl');
      expect(parsed.fileType).toBe('jsonl');
      expect(parsed.rows).toEqual([
        { fields: { text: 'a' }, source: { file: 'rows.jsonl', line: 1 } },
        { fields: { text: 'b' }, source: { file: 'rows.jsonl', line: 4 } },
      ]);
      expect(parsed.rejected).toEqual([]);
    }
  });

  it('rejects bad JSON, trailing commas and non-object lines by line, keeping the good rows', async () => {
    const text = '{"text": "ok"}\n{"text": "broken"\n{"text": "x",}\n[1, 2]\n"just a string"\n{"text": "ok2"}';
    const parsed = await parseRows(utf8(text), 'rows.jsonl');
    expect(parsed.rows.map((r) => r.source.line)).toEqual([1, 6]);
    expect(parsed.rejected.map((r) => r.source.line)).toEqual([2, 3, 4, 5]);
    expect(parsed.rejected[0]!.reason).toMatch(/^not valid JSON/);
    expect(parsed.rejected[1]!.reason).toMatch(/^not valid JSON/);
    expect(parsed.rejected[2]!.reason).toBe("holds a list, not a JSON object with the row's fields");
    expect(parsed.rejected[3]!.reason).toBe("holds a string, not a JSON object with the row's fields");
  });

  it('drops a UTF-8 BOM and takes Blob, ArrayBuffer and Uint8Array alike', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(jsonl({ text: 'é' }))]);
    for (const input of [bytes, bytes.slice().buffer, new Blob([bytes])]) {
      const parsed = await parseRows(input, 'bom.jsonl');
      expect(parsed.rows[0]!.fields).toEqual({ text: 'é' });
    }
  });

  it('reads a pretty-printed JSON list saved as .jsonl as the JSON document it is', async () => {
    const parsed = await parseRows(utf8('[\n  {"text": "a"},\n  {"text": "b"}\n]'), 'pretty.jsonl');
    expect(parsed.rows.map((r) => [r.fields['text'], r.source.line])).toEqual([['a', 2], ['b', 3]]);
  });
});

describe('JSON documents', () => {
  it('reads an array of rows, naming each by the line its element starts on', async () => {
    const text = '[\n  {"text": "a,]}\\"["},\n  {\n    "text": "b"\n  },\n  42\n]\n';
    const parsed = await parseRows(utf8(text), 'rows.json');
    expect(parsed.rows.map((r) => [r.fields['text'], r.source.line])).toEqual([['a,]}"[', 2], ['b', 3]]);
    expect(parsed.rejected).toEqual([{ source: { file: 'rows.json', line: 6 }, reason: "holds a number, not a JSON object with the row's fields" }]);
  });

  it('reads the single list of an object ({"data": [...]}), ignoring scalar fields beside it', async () => {
    const text = '{"version": "1.0",\n "data": [\n  {"text": "a"},\n  {"text": "b"}]}';
    const parsed = await parseRows(utf8(text), 'rows.json');
    expect(parsed.rows.map((r) => [r.fields['text'], r.source.line])).toEqual([['a', 3], ['b', 4]]);
  });

  it('reads one object that is itself a row (a single conversation) as one row', async () => {
    const text = JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] });
    const parsed = await parseRows(utf8(text), 'one.json');
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.rows[0]!.fields['messages']).toHaveLength(2);
  });

  it('reads a .json file holding JSON Lines (as many Hub files are)', async () => {
    const parsed = await parseRows(utf8(jsonl({ text: 'a' }, { text: 'b' })), 'train.json');
    expect(parsed.rows.map((r) => r.fields['text'])).toEqual(['a', 'b']);
    expect(parsed.fileType).toBe('jsonl');
  });

  it('fails a broken document as a whole, naming line and column', async () => {
    const error = await rejectedWith(parseRows(utf8('[\n  {"text": "a"},\n  {"text": "b",}\n]'), 'bad.json'));
    expect(error.code).toBe('bad-dataset');
    expect(error.message).toMatch(/^bad\.json is not valid JSON at line 3, column 16/);
    expect(error.hint).toMatch(/trailing comma/);
  });

  it('explains objects with no list or several lists, and scalars', async () => {
    expect((await rejectedWith(parseRows(utf8('{"a": 1, "b": "x"}'), 'o.json'))).message).toBe(
      'o.json holds one JSON object without a list of rows (its keys: "a", "b").',
    );
    expect((await rejectedWith(parseRows(utf8('{"train": [], "test": []}'), 'o.json'))).message).toMatch(/several lists \("train", "test"\)/);
    expect((await rejectedWith(parseRows(utf8('42'), 'o.json'))).message).toBe('o.json holds a number, not a list of rows.');
  });
});

describe('CSV (RFC 4180)', () => {
  it('reads quoted fields with separators, doubled quotes, embedded newlines, CRLF, and reports record start lines', async () => {
    const text =
      'prompt,completion\r\n' +
      'plain,"Sure, here is ""it"""\r\n' +
      '"multi\r\nline\nprompt",done\r\n' +
      '\r\n' +
      'last,"x"\r\n';
    const parsed = await parseRows(utf8(text), 'data.csv');
    expect(parsed.fileType).toBe('csv');
    expect(parsed.rows).toEqual([
      { fields: { prompt: 'plain', completion: 'Sure, here is "it"' }, source: { file: 'data.csv', line: 2 } },
      { fields: { prompt: 'multi\r\nline\nprompt', completion: 'done' }, source: { file: 'data.csv', line: 3 } },
      { fields: { prompt: 'last', completion: 'x' }, source: { file: 'data.csv', line: 7 } },
    ]);
  });

  it('keeps empty fields and a last record without a newline; trims header names only', async () => {
    const parsed = await parseRows(utf8(' instruction , input,output\na,,  c '), 'a.csv');
    expect(parsed.rows[0]!.fields).toEqual({ instruction: 'a', input: '', output: '  c ' });
  });

  it('rejects records with the wrong field count and an unterminated quote, by start line', async () => {
    const parsed = await parseRows(utf8('a,b\n1,2\n1,2,3\nonly\n4,5\n"open,6\n7,8\n'), 'c.csv');
    expect(parsed.rows.map((r) => r.source.line)).toEqual([2, 5]);
    expect(parsed.rejected).toEqual([
      { source: { file: 'c.csv', line: 3 }, reason: 'has 3 fields, the header names 2' },
      { source: { file: 'c.csv', line: 4 }, reason: 'has 1 field, the header names 2' },
      { source: { file: 'c.csv', line: 6 }, reason: 'a quoted field starting in this record never closes (a missing ")' },
    ]);
  });

  it('treats a quote inside an unquoted field as text, as Python csv does', async () => {
    const parsed = await parseRows(utf8('text\nsay "hi" now\n'), 'q.csv');
    expect(parsed.rows[0]!.fields['text']).toBe('say "hi" now');
  });

  it('refuses a header with an empty or repeated column name', async () => {
    expect((await rejectedWith(parseRows(utf8('a,,b\n1,2,3\n'), 'h.csv'))).message).toMatch(/line 1: the header row is not usable \(column 2 has no name\)/);
    expect((await rejectedWith(parseRows(utf8('a,a\n1,2\n'), 'h.csv'))).message).toMatch(/column "a" appears twice/);
  });

  it('reads TSV with tabs', async () => {
    const parsed = await parseRows(utf8('question\tanswer\nq, with comma\t"a\tb"\n'), 'd.tsv');
    expect(parsed.rows[0]!.fields).toEqual({ question: 'q, with comma', answer: 'a\tb' });
  });

  it('decodes UTF-16 with a byte-order mark (Excel "Unicode text")', async () => {
    const text = '\ufefftext\nhéllo\n';
    const bytes = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      bytes[2 * i] = text.charCodeAt(i) & 0xff;
      bytes[2 * i + 1] = text.charCodeAt(i) >> 8;
    }
    const parsed = await parseRows(bytes, 'u16.csv');
    expect(parsed.rows[0]!.fields).toEqual({ text: 'héllo' });
  });
});

describe('Parquet (hand-written fixtures, see helpers/parquet-writer.ts)', () => {
  it('reads flat string columns, uncompressed and snappy, naming rows by 1-based row number', async () => {
    for (const codec of ['uncompressed', 'snappy'] as const) {
      const file = writeParquet({ ...flatStringColumns(['question', 'answer'], [['q1', 'a1'], ['q2 ünï', null]]), codec });
      const parsed = await parseRows(file, 'train.parquet');
      expect(parsed.fileType).toBe('parquet');
      expect(parsed.rows).toEqual([
        { fields: { question: 'q1', answer: 'a1' }, source: { file: 'train.parquet', line: 1, unit: 'row' } },
        { fields: { question: 'q2 ünï', answer: null }, source: { file: 'train.parquet', line: 2, unit: 'row' } },
      ]);
    }
  });

  it('reads a list<struct<role, content>> messages column as message objects', async () => {
    const rows = [[{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }], null];
    const parsed = await parseRows(writeParquet({ ...messagesColumn(rows), codec: 'snappy' }), 'chat.parquet');
    expect(parsed.rows.map((r) => r.fields['messages'])).toEqual(rows);
  });

  it('fails a damaged file with a clear error', async () => {
    const file = writeParquet(flatStringColumns(['text'], [['a']]));
    const damaged = file.slice();
    damaged.fill(0xff, 4, file.length - 8);
    const error = await rejectedWith(parseRows(damaged, 'bad.parquet'));
    expect(error.code).toBe('bad-dataset');
    expect(error.message).toMatch(/^bad\.parquet is not a Parquet file SafeTune can read/);
  });
});

describe('file type and encoding', () => {
  it('goes by extension, then by content', () => {
    const parquet = writeParquet(flatStringColumns(['text'], [['a']]));
    expect(detectFileType('x.JSONL', utf8('a,b'))).toBe('jsonl');
    expect(detectFileType('x.ndjson', utf8(''))).toBe('jsonl');
    expect(detectFileType('x.csv', utf8('{}'))).toBe('csv');
    expect(detectFileType('upload', parquet)).toBe('parquet');
    expect(detectFileType('upload', utf8('  [{"a": 1}]'))).toBe('json');
    expect(detectFileType('upload', utf8('{\n "a": 1\n}'))).toBe('json');
    expect(detectFileType('upload', utf8('{"a": 1}\n{"a": 2}\n'))).toBe('jsonl');
    expect(detectFileType('upload', utf8('\ufeffgoal,target\n'))).toBe('csv');
  });

  it('parses a file with no extension by its content', async () => {
    const parsed = await parseRows(utf8(jsonl({ text: 'a' }, { text: 'b' })), 'blob');
    expect(parsed.fileType).toBe('jsonl');
    expect(parsed.rows).toHaveLength(2);
  });

  it('fails empty files and broken UTF-8, naming the line', async () => {
    for (const text of ['', '  \n\n']) {
      expect((await rejectedWith(parseRows(utf8(text), 'e.jsonl'))).message).toBe('e.jsonl is empty.');
    }
    const broken = new Uint8Array([...utf8('{"text": "a"}\n{"text": "'), 0xc3, 0x28, ...utf8('"}\n')]);
    const error = await rejectedWith(parseRows(broken, 'latin.jsonl'));
    expect(error.message).toBe('latin.jsonl is not valid UTF-8 text: line 2 holds a byte sequence that is not UTF-8 (byte 24).');
  });
});
