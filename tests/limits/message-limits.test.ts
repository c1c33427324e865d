import { describe, expect, test } from 'vitest';
import { MAX_ERROR_HINT_CHARS, MAX_ERROR_MESSAGE_CHARS, SafeTuneError } from '../../engine/errors';
import { clip } from '../../engine/data/limits';
import { clipText } from '../../engine/util/clip-text';
import { errorEvent, WorkerError } from '../../workers/worker-errors';

// Error messages and previews quote untrusted input (field names, config values, rows): each is cut to a length a
// terminal or a page can show, with an ellipsis that says how much was cut.

describe('clipText', () => {
  test('short text is returned as it is', () => {
    expect(clipText('abc', 3)).toBe('abc');
  });

  test('long text keeps its start and says how many characters were cut, within the limit', () => {
    const text = 'x'.repeat(100_000);
    const clipped = clipText(text, 100);
    expect(clipped.length).toBeLessThanOrEqual(100);
    const cut = Number(/… \[([\d,]+) characters cut\]$/.exec(clipped)![1]!.replace(/,/g, ''));
    expect(clipped.indexOf('…') + cut).toBe(100_000); // kept + cut = the whole text
  });

  test('keepEnd keeps the end too, and the counts still add up', () => {
    const text = `START${'.'.repeat(5_000)}END`;
    const clipped = clipText(text, 200, { keepEnd: 50 });
    expect(clipped.length).toBeLessThanOrEqual(200);
    expect(clipped.startsWith('START')).toBe(true);
    expect(clipped.endsWith('END')).toBe(true);
    const [head, rest] = clipped.split('… [');
    const cut = Number(/^([\d,]+) characters cut\] /.exec(rest!)![1]!.replace(/,/g, ''));
    const tail = rest!.replace(/^[\d,]+ characters cut\] /, '');
    expect(head!.length + cut + tail.length).toBe(text.length);
  });

  test('a cut never splits a surrogate pair', () => {
    const text = '😀'.repeat(1_000); // 2 UTF-16 units each
    const clipped = clipText(text, 101);
    const head = clipped.slice(0, clipped.indexOf('…'));
    expect(head.length % 2).toBe(0);
    expect(head).toBe('😀'.repeat(head.length / 2));
  });

  test("the dataset's reason clip says how much was cut too", () => {
    expect(clip('y'.repeat(1_000), 300)).toMatch(/^y+… \[\d+ characters cut\]$/);
    expect(clip('y'.repeat(1_000), 300).length).toBeLessThanOrEqual(300);
  });
});

describe('error messages that echo user data', () => {
  const hostileValue = JSON.stringify(Array.from({ length: 50_000 }, (_, i) => i)); // a config value from a hostile file

  test('a SafeTuneError quoting a huge value is cut in the middle, keeping what failed and the end', () => {
    const e = new SafeTuneError('bad-config', `config.json in /models/x: "hidden_size" must be a positive integer, got ${hostileValue} (at the top level)`, `fix it ${'h'.repeat(10_000)} done`);
    expect(e.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(e.message).toMatch(/^config\.json in \/models\/x: "hidden_size" must be a positive integer, got \[0,1,2,/);
    expect(e.message).toMatch(/… \[[\d,]+ characters cut\] .*\(at the top level\)$/);
    expect(e.hint!.length).toBeLessThanOrEqual(MAX_ERROR_HINT_CHARS);
    expect(e.hint).toMatch(/^fix it h+… \[[\d,]+ characters cut\] h+ done$/);
    expect(e.describe().length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS + MAX_ERROR_HINT_CHARS + 20);
  });

  test("the worker's error event cuts any error's message: its own, and an unexpected exception's", () => {
    const own = errorEvent(new WorkerError('not-ready', `run ${'r'.repeat(20_000)} is not stored`, 'List the runs.'), 'req-1');
    expect(own.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(own.message).toMatch(/^run r+… \[[\d,]+ characters cut\] r+ is not stored$/);
    const unexpected = errorEvent(new TypeError(`cannot read ${'z'.repeat(1_000_000)}`));
    expect(unexpected.code).toBe('internal');
    expect(unexpected.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(unexpected.message).toMatch(/^unexpected error in the training worker: TypeError: cannot read z+… \[[\d,]+ characters cut\] z+$/);
  });
});
