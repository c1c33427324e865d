import { describe, expect, test } from 'vitest';
import { goalsReport, markdownTable, type Row } from '../../scripts/experiment/report';

const row = (condition: Row['condition'], method: Row['method'], refusalRate: number, utility: number, safetyDrift = 0): Row => ({ condition, method, refusalRate, utility, safetyDrift });

describe('experiment report', () => {
  test('the table has one line per row, rates as percentages', () => {
    const t = markdownTable([row('base', 'none', 0.9, 0.1), row('adversarial', 'spf', 0.85, 0.2, 0.05)]);
    const lines = t.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('| base | base model | 90.0 % |');
    expect(lines[3]).toContain('| adversarial | LoRA + SPF | 85.0 % | 0.050 | 20.0 % |');
  });

  test('goals: met and not met are computed from the rows against the issue thresholds', () => {
    const met = goalsReport([
      row('base', 'none', 1, 0),
      row('adversarial', 'lora', 0.3, 0),
      row('adversarial', 'spf', 0.95, 0),
      row('benign', 'lora', 1, 0.8),
      row('benign', 'spf', 0.97, 0.78),
    ]);
    expect(met.match(/— met/g)).toHaveLength(4);
    const missed = goalsReport([
      row('base', 'none', 1, 0),
      row('adversarial', 'lora', 0.6, 0),
      row('adversarial', 'spf', 0.8, 0),
      row('benign', 'lora', 1, 0.8),
      row('benign', 'spf', 0.9, 0.5),
    ]);
    expect(missed.match(/\*\*not met\*\*/g)).toHaveLength(4);
  });
});
