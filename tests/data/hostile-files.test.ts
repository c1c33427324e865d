import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { loadDataset, type LoadDatasetOptions } from '../../engine/data/load-dataset';
import { parseRows } from '../../engine/data/parsing/parse-rows';
import { jsonl, utf8 } from './helpers/fixtures';
import { messagesColumn, writeParquet } from './helpers/parquet-writer';
import { tinyTokenizer } from './helpers/tokenizers';

// Hostile or broken dataset files (issue 14): each must end in a clear SafeTuneError or a clear report line, fast,
// never in a hang, a V8 fatal error, a prototype member or an unhandled rejection.

const tokenizer = tinyTokenizer();
const OPTIONS: LoadDatasetOptions = { maxLength: 64 };

async function refusal(p: Promise<unknown>): Promise<SafeTuneError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SafeTuneError) return e;
    throw e;
  }
  throw new Error('expected a SafeTuneError, but it resolved');
}

const QA = { question: 'What is one?', answer: 'One.' };

describe('size limits', () => {
  it('a single-line JSON Lines file past the row limit fails fast, naming the line and the limit (unparsed)', async () => {
    // The 200 MB line, scaled: 3 MB against a lowered limit keeps the test fast; the code path is the same.
    const line = JSON.stringify({ question: 'q', answer: 'x'.repeat(3_000_000) });
    const started = Date.now();
    const e = await refusal(loadDataset(utf8(line), 'big.jsonl', tokenizer, { ...OPTIONS, limits: { maxLineChars: 100_000 } }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(e.code).toBe('bad-dataset');
    expect(e.message).toMatch(/big\.jsonl line 1: is 3000\d+ characters long; a row may have at most 100000/);
  });

  it('a file past the size limit is refused before it is read', async () => {
    const bytes = utf8(jsonl(QA, QA).repeat(2000));
    const e = await refusal(parseRows(new Blob([bytes]), 'd.jsonl', { limits: { maxFileBytes: 10_000 } }));
    expect(e.message).toMatch(/^d\.jsonl is \d+\.\d KB; SafeTune reads dataset files up to 9\.8 KB\.$/);
    expect(e.hint).toMatch(/Split it/);
  });

  it('a row past the character limit is cut before tokenizing and reported', async () => {
    const long = { question: 'Why?', answer: 'Because. '.repeat(5000) };
    const { train, report } = await loadDataset(utf8(jsonl(QA, long)), 'd.jsonl', tokenizer, { ...OPTIONS, limits: { maxRowChars: 1000 } });
    expect(train).toHaveLength(2);
    expect(train[1]!.truncated).toBe(true);
    expect(report.warnings).toContain('1 row was longer than 1000 characters and cut there before tokenizing.');
  });

  it('a rejection reason quoting a huge field name is clipped in the report and in the error', async () => {
    const hostile = { question: 'q', ['k'.repeat(50_000)]: 1 }; // reason: has no "answer" field (its fields: ...)
    const { report } = await loadDataset(utf8(jsonl(QA, hostile)), 'd.jsonl', tokenizer, { ...OPTIONS, format: 'question-answer' });
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]!.reason).toMatch(/^has no "answer" field \(its fields: "question", "kkk/);
    expect(report.rejected[0]!.reason.length).toBeLessThanOrEqual(300);
    const e = await refusal(loadDataset(utf8(jsonl(hostile)), 'd.jsonl', tokenizer, { ...OPTIONS, format: 'question-answer' }));
    expect(e.message.length).toBeLessThan(1_000);
  });
});

describe('lookups by untrusted names', () => {
  for (const role of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`a chat role named ${role} is rejected by name, not looked up on Object.prototype`, async () => {
      const row = `{"messages": [{"role": "${role}", "content": "x"}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}`;
      const e = await refusal(loadDataset(utf8(row), 'd.jsonl', tokenizer, OPTIONS));
      expect(e.message).toContain(`d.jsonl line 1: messages[0] has the role "${role}"; SafeTune reads system, user (human) and assistant`);
    });
  }

  it('a file named data.constructor gets the content sniffed, not a crash', async () => {
    const parsed = await parseRows(utf8(jsonl(QA, QA)), 'data.constructor');
    expect(parsed.fileType).toBe('jsonl');
    expect(parsed.rows).toHaveLength(2);
    await expect(parseRows(utf8('a,b\n1,2\n'), 'x.__proto__')).resolves.toMatchObject({ fileType: 'csv' });
  });

  it('a column mapping to "constructor" finds no column instead of Object.prototype.constructor', async () => {
    const e = await refusal(loadDataset(utf8(jsonl(QA)), 'd.jsonl', tokenizer, { ...OPTIONS, columns: { prompt: 'constructor' } }));
    expect(e.message).toMatch(/has no column "constructor"/);
  });
});

describe('encodings and damaged Parquet', () => {
  it('UTF-16 without a BOM gets an encoding hint instead of "not valid JSON"', async () => {
    const text = jsonl(QA, QA);
    const le = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) le[2 * i] = text.charCodeAt(i);
    const e = await refusal(parseRows(le, 'd.jsonl'));
    expect(e.message).toBe('d.jsonl looks like UTF-16LE text without a byte-order mark (every other byte is zero), not UTF-8.');
    expect(e.hint).toMatch(/UTF-8/);
    const be = new Uint8Array(le.length);
    be.set(le.subarray(0, le.length - 1), 1);
    expect((await refusal(parseRows(be, 'd.jsonl'))).message).toMatch(/UTF-16BE/);
  });

  it('a Parquet file whose column path is damaged fails with one clean error and no unhandled rejection', async () => {
    const good = writeParquet({ ...messagesColumn([[{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }], null]), codec: 'uncompressed' });
    // The three bytes a fuzz run changed (offsets in this fixture): one in the data pages, the schema's "content" and
    // the second column chunk's path "messages" → "m5ssages". hyparquet then started reading a chunk it never awaited.
    const damaged = good.slice();
    for (const [at, value] of [[31, 131], [189, 25], [262, 53]] as const) damaged[at] = value;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const e = await refusal(parseRows(damaged, 'd.parquet'));
      expect(e.message).toMatch(/^d\.parquet is not a Parquet file SafeTune can read: row group 0 has a column "m5ssages\.list\.element\.\w+" that the schema does not define/);
      await new Promise((resolve) => setTimeout(resolve, 50)); // an escaped rejection is reported after a turn of the loop
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('a Parquet footer whose schema claims a negative child count is refused at once, not walked forever', () => {
    // Found by the dataset fuzz (seed 572504285): three bytes changed in this 317-byte file give schema element 3
    // num_children = -1, and hyparquet's GeoParquet schema walk (i += num_children) then never ends. A hang cannot be
    // caught in-process, so the real CLI loads the file in a child process with a deadline: a regression fails, not stalls.
    const good = writeParquet({ ...messagesColumn([[{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }], null]), codec: 'uncompressed' });
    const damaged = good.slice();
    for (const [at, value] of [[116, 32], [162, 1], [234, 52]] as const) damaged[at] = value;
    const dir = mkdtempSync(join(tmpdir(), 'safetune-parquet-'));
    try {
      const file = join(dir, 'hostile.parquet');
      writeFileSync(file, damaged);
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'data-report', '--model', 'public/models/safetune-demo', '--data', file], {
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(r.error?.message ?? null).toBeNull(); // ETIMEDOUT here is the hang
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/hostile\.parquet is not a Parquet file SafeTune can read: schema element 3 claims -1 children, but 2 elements follow it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
