import { expect, test } from 'vitest';
import { inlineCode, modelCard } from '../../engine/export/model-card';
import type { RunRecord } from '../../engine/run/run-record';
import { DEFAULT_RUN_CONFIG } from '../../engine/run/run-config';
import type { RunStatus } from '../../engine/run/run-types';

// The card quotes untrusted names (a dataset's file name, a stored run's id, a model id). A red team's file name
// "data`\n<img src=x onerror=alert(1)>\n---\nbase_model: evil/model\n---\n# Pwned [link](javascript:alert(1))"
// ended the code span and put raw HTML, a heading and a link into the exported README.md.

test('untrusted text becomes one code span: no line breaks, no way out of the fence, cut to a limit', () => {
  const hostile = 'data`\n<img src=x onerror=alert(1)>\n---\nbase_model: evil/model\n---\n# Pwned [link](javascript:alert(1))';
  const quoted = inlineCode(hostile);
  expect(quoted).not.toMatch(/[\n\r]/);
  expect(quoted).toBe('``data` <img src=x onerror=alert(1)> --- base_model: evil/model --- # Pwned [link](javascript:alert(1))``');
  expect(inlineCode('plain.jsonl')).toBe('`plain.jsonl`');
  expect(inlineCode('`edge`')).toBe('`` `edge` ``');
  expect(inlineCode('a\u202eb\u2066c')).toBe('`a b c`');
  const long = inlineCode('x'.repeat(5000));
  expect(long).toBe(`\`${'x'.repeat(200)}… [4800 characters cut]\``);
});

// A hand-edited or hostile run.json is exported from the run list as it is stored: its status and its refusal checks
// went into the card raw ("paused at step" with the status's Markdown, each check's fields into a table row).
test('a stored record\'s status and refusal checks cannot add Markdown or HTML to the card', () => {
  const hostile = '<img src=x onerror=alert(1)>\n# Pwned';
  const good = { which: 'tuned', step: 3, rate: 0.5, total: 8, at: '2025-01-02T03:04:05.678Z' } as const;
  const card = modelCard(
    record({
      status: hostile as RunStatus,
      refusalChecks: [
        good,
        { ...good, which: hostile as 'base' },
        { ...good, at: `x|${hostile}|` },
        { ...good, step: hostile as unknown as number },
        { ...good, total: '1 | <b>' as unknown as number },
        { ...good, rate: hostile as unknown as number },
      ],
    }),
    { baseModel: 'demo', kind: 'adapter' },
  );
  // The hostile text is left only in the status's code span.
  expect(card.split('<img')).toHaveLength(2);
  expect(card).not.toContain('<b>');
  expect(card).not.toMatch(/^# Pwned/m);
  expect(card).toContain('(run `run-1`, started `2025-01-01T00:00:00.000Z`, status `<img src=x onerror=alert(1)> # Pwned` at step 5 of 10).');
  expect(card).toContain('| tuned | 3 | 50.0 % of 8 | 2025-01-02T03:04:05.678Z |');
  expect(card).toContain('5 refusal check(s) in the run record are not in the form SafeTune writes and are left out.');
  expect(modelCard(record({ status: 'paused' }), { baseModel: 'demo', kind: 'adapter' })).toContain('(run `run-1`, started `2025-01-01T00:00:00.000Z`, paused at step 5 of 10).');
});

// The dataset report's format words were written raw into the card's Data line.
test("a stored record's dataset format words are written as they are only when they are plain words", () => {
  const base = record({});
  const hostile = { ...base, dataset: { ...base.dataset, report: { ...base.dataset.report, format: '<script>x</script>\n# H' as 'messages', formatSource: 'chosen' as const } } };
  expect(modelCard(base, { baseModel: 'demo', kind: 'adapter' })).toContain('- File: `train.jsonl` (messages rows, format detected)');
  const card = modelCard(hostile, { baseModel: 'demo', kind: 'adapter' });
  expect(card).toContain('- File: `train.jsonl` (`<script>x</script> # H` rows, format chosen)');
  expect(card).not.toMatch(/^# H/m);
});

function record(over: Partial<RunRecord>): RunRecord {
  const report = { format: 'messages', formatSource: 'detected', rowsUsed: 4, rowsTotal: 4, rejectedTotal: 0, split: { train: 4, validation: 0 }, maxLength: 64, truncated: 0, trainedTokens: 100 };
  return {
    format: 'safetune-run-1',
    runId: 'run-1',
    startedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    model: { source: { kind: 'bundled', name: 'demo' }, summary: { description: 'bundled demo' } },
    dataset: { fileName: 'train.jsonl', maxLength: 64, report },
    config: structuredClone(DEFAULT_RUN_CONFIG),
    safety: { anchors: [], probe: [] },
    status: 'paused',
    step: 5,
    totalSteps: 10,
    series: { metrics: [], evals: [], accuracy: [], samples: [] },
    refusalChecks: [],
    ...over,
  } as unknown as RunRecord;
}
