import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { dataReportCommand } from '../../cli/commands/data-report';

// `data-report` in this process (no start-up per case): what it prints on stdout, or the error main.ts would print.

const DEMO_MODEL = 'public/models/safetune-demo';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safetune-data-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function report(argv: string[]): Promise<string> {
  let printed = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  try {
    await dataReportCommand(argv);
  } finally {
    write.mockRestore();
  }
  return printed;
}

test('a .txt dataset is plain text, one example a line, as the app trains it (it was parsed as CSV: "the rows match no known format")', async () => {
  const plain = join(dir, 'plain.txt');
  await writeFile(plain, 'The cat sat on the mat.\n\nA second line, with a comma.\nAnd a third.\n');
  const text = await report(['--model', DEMO_MODEL, '--data', plain]);
  expect(text).toContain('Dataset: plain.txt (plain text, 3 rows)');
  expect(text).toContain('Format: text (detected; rows by fields: text 3)');
  expect(text).toContain('Rows: 3 read, 3 used, 0 rejected');
  expect(text).toMatch(/maxLength \d+: 0 rows truncated, no row dropped/);
});

test('a long file name is shown cut, keeping its extension, on the file line and each rejected row (it was repeated uncut)', async () => {
  const name = `${'d'.repeat(230)}.jsonl`; // near the 255 bytes a Linux file name may have
  const path = join(dir, name);
  await writeFile(path, ['{"text": "one"}', 'not json', 'not json either', '{"text": "two"}'].join('\n') + '\n');
  const text = await report(['--model', DEMO_MODEL, '--data', path]);
  const shown = `${'d'.repeat(53)}… [159 characters cut] ${'d'.repeat(18)}.jsonl`;
  expect(shown).toHaveLength(100);
  expect(text).toContain(`Dataset: ${shown} (JSON Lines, 4 rows)`);
  expect(text).toContain(`  ${shown} line 2: `);
  expect(text).toContain(`  ${shown} line 3: `);
  expect(text).not.toContain('d'.repeat(54));
});

test('a model folder that does not exist is named as such, as the other commands name it', async () => {
  await expect(report(['--model', join(dir, 'nope'), '--data', join(dir, 'x.jsonl')])).rejects.toThrow(/^model folder .*nope does not exist$/);
});
