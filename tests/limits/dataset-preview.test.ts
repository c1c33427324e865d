import { beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../engine/data/load-dataset';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { PREVIEW_ROW_CHARS, PREVIEW_SOURCE_CHARS, previewRows } from '../../workers/dataset-preview';

// The dataset preview shows untrusted rows in the page: each row and its label are cut to a length the page can show,
// ending in a marker that says how many characters were left out. Short rows are shown whole.

const enc = new TextEncoder();
const chat = (user: string, assistant: string) => JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });

let tokenizer: TextTokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer(new MemoryFiles(tinyCheckpointFiles('llama', { seed: 3 }), 'tiny'));
});

async function preview(lines: string[], fileName = 'd.jsonl', maxLength = 8192) {
  const loaded = await loadDataset(enc.encode(lines.join('\n') + '\n'), fileName, tokenizer, { maxLength, validation: 0 });
  return { rows: previewRows(loaded.train, tokenizer), examples: loaded.train };
}

describe('dataset preview limits', () => {
  test('a short row is shown whole, with its trained span', async () => {
    const { rows } = await preview([chat('Spell red.', 'r-e-d')]);
    expect(rows[0]!.spans.filter((s) => s.trained).map((s) => s.text).join('')).toContain('r-e-d');
    expect(rows[0]!.spans.map((s) => s.text).join('')).not.toContain('characters cut');
  });

  test('a long row is cut at PREVIEW_ROW_CHARS and says how many characters were not shown', async () => {
    const { rows, examples } = await preview([chat(`Summarise: ${'word '.repeat(3_000)}`, `short ${'answer '.repeat(2_000)}`)]);
    const spans = rows[0]!.spans;
    const marker = spans.at(-1)!;
    expect(marker.trained).toBe(false);
    const cut = Number(/^… \[([\d,]+) characters cut\]$/.exec(marker.text)![1]!.replace(/,/g, ''));
    const shown = spans.slice(0, -1).map((s) => s.text).join('');
    expect(shown.length).toBe(PREVIEW_ROW_CHARS);
    expect(shown.length + cut).toBe(tokenizer.decode(examples[0]!.ids).length); // shown + left out = the row
    expect(cut).toBeGreaterThan(10_000);
  });

  test('a row cut inside its trained part keeps the trained marking up to the cut', async () => {
    const { rows } = await preview([chat('Hi.', 'long answer '.repeat(1_000))]);
    const spans = rows[0]!.spans;
    expect(spans.at(-2)!.trained).toBe(true);
    expect(spans.at(-1)!.text).toMatch(/characters cut\]$/);
  });

  test("a row's label quoting a huge file name is cut too", async () => {
    const { rows } = await preview([chat('Spell red.', 'r-e-d')], `${'n'.repeat(10_000)}.jsonl`);
    expect(rows[0]!.source.length).toBeLessThanOrEqual(PREVIEW_SOURCE_CHARS);
    expect(rows[0]!.source).toMatch(/^n+… \[[\d,]+ characters cut\] n*\.jsonl line 1$/);
  });
});
