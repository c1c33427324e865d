import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../../engine/data/parsing/detect-format';
import { formatReport } from '../../engine/data/format-report';
import { loadDataset } from '../../engine/data/load-dataset';
import { parseRows } from '../../engine/data/parsing/parse-rows';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { HAVE_SHARED_DATA, SHARED_DATA } from './helpers/fixtures';
import { realTokenizer, tinyTokenizer, trainedText } from './helpers/tokenizers';

// The public datasets in ../shared/data (read-only; see its README). Skipped, with a warning, where it is absent.
const read = (path: string): Buffer => readFileSync(join(SHARED_DATA, path));
/** The first `n` lines of a JSON Lines file: the real rows, few enough for a real tokenizer to stay fast. */
const head = (path: string, n: number): Uint8Array => new TextEncoder().encode(read(path).toString('utf8').split('\n').slice(0, n).join('\n'));

describe.skipIf(!HAVE_SHARED_DATA)('real datasets in ../shared/data', () => {
  let qwen3: TextTokenizer;
  let llama3: TextTokenizer;
  beforeAll(async () => {
    [qwen3, llama3] = await Promise.all([realTokenizer('qwen3'), realTokenizer('llama3')]);
  });

  it('GSM8K test split: every row is question-answer and loads, the whole worked answer trained', async () => {
    const bytes = read('gsm8k/test.jsonl');
    const parsed = await parseRows(bytes, 'gsm8k/test.jsonl');
    expect(parsed.rows).toHaveLength(1319);
    expect(parsed.rejected).toEqual([]);
    expect(detectFormat(parsed.rows, 'gsm8k/test.jsonl').format).toBe('question-answer');

    const tiny = tinyTokenizer();
    const { train, validation, report } = await loadDataset(bytes, 'gsm8k/test.jsonl', tiny, { maxLength: 2048, validation: 0.1, seed: 3 });
    expect(train.length + validation.length).toBe(1319);
    expect(validation).toHaveLength(132);
    expect(report.rejectedTotal).toBe(0);
    expect(report.truncated).toBe(0);
    const first = parsed.rows[0]!.fields as { answer: string };
    const example = [...train, ...validation].find((e) => e.source.line === 1)!;
    expect(trainedText(tiny, example.ids, example.labels)).toBe(`${first.answer}<|im_end|>`);
    expect(formatReport(report)).toContain('Format: question-answer (detected; rows by fields: question-answer 1319)');
  });

  it('GSM8K with the real Qwen3 tokenizer: labels are exactly each answer + <|im_end|>', async () => {
    const bytes = head('gsm8k/train.jsonl', 150);
    const rows = (await parseRows(bytes, 'gsm8k/train.jsonl')).rows;
    const { train, report } = await loadDataset(bytes, 'gsm8k/train.jsonl', qwen3, { maxLength: 1024 });
    expect(train).toHaveLength(150);
    train.forEach((example, i) => {
      const { question, answer } = rows[i]!.fields as { question: string; answer: string };
      expect(example.ids).toEqual(qwen3.encode(qwen3.renderChat([{ role: 'user', content: question }, { role: 'assistant', content: answer }])));
      expect(trainedText(qwen3, example.ids, example.labels)).toBe(`${answer}<|im_end|>`);
    });
    expect(report.tokens.max).toBeLessThan(1024);
    expect(report.trainedTokens).toBe(train.reduce((n, e) => n + qwen3.encode(`${(rows[train.indexOf(e)]!.fields as { answer: string }).answer}<|im_end|>`).length, 0));
  });

  it('sql-create-context with the real Llama 3 tokenizer: the user turn is the schema, a blank line, the question', async () => {
    const bytes = head('sql-create-context/train.jsonl', 120);
    const rows = (await parseRows(bytes, 'sql.jsonl')).rows;
    const { train, report } = await loadDataset(bytes, 'sql.jsonl', llama3, { maxLength: 512 });
    expect(report.format).toBe('question-context-answer');
    expect(train).toHaveLength(120);
    train.forEach((example, i) => {
      const { question, context, answer } = rows[i]!.fields as { question: string; context: string; answer: string };
      const rendered = llama3.renderChat([{ role: 'user', content: `${context}\n\n${question}` }, { role: 'assistant', content: answer }]);
      expect(example.ids).toEqual(llama3.encode(rendered));
      expect(rendered).toContain(`<|start_header_id|>user<|end_header_id|>\n\n${context}\n\n${question}<|eot_id|>`);
      expect(trainedText(llama3, example.ids, example.labels)).toBe(llama3.decode(llama3.encode(`${answer.trim()}<|eot_id|>`)));
    });
  });

  it('AdvBench CSV: goal/target match no format (the error names them); mapped, all 520 rows load', async () => {
    const bytes = read('advbench/harmful_behaviors.csv');
    const parsed = await parseRows(bytes, 'harmful_behaviors.csv');
    expect(parsed.rows).toHaveLength(520);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.rows[0]!.source.line).toBe(2);
    expect(Object.keys(parsed.rows[0]!.fields)).toEqual(['goal', 'target']);
    await expect(loadDataset(bytes, 'harmful_behaviors.csv', qwen3, { maxLength: 256 })).rejects.toThrow(
      'harmful_behaviors.csv: the rows match no known format. Fields seen in the first 520 rows: "goal" (520 rows), "target" (520 rows).',
    );
    const { train, report } = await loadDataset(bytes, 'harmful_behaviors.csv', qwen3, {
      maxLength: 256,
      columns: { question: 'goal', answer: 'target' },
    });
    expect(report.rowsUsed).toBe(520);
    const { goal, target } = parsed.rows[5]!.fields as { goal: string; target: string };
    expect(qwen3.decode(train[5]!.ids)).toContain(`<|im_start|>user\n${goal}<|im_end|>`);
    expect(trainedText(qwen3, train[5]!.ids, train[5]!.labels)).toBe(`${target}<|im_end|>`);
  });
});
