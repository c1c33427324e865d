import { expect, test } from 'vitest';
import { spfFromFlags } from '../../cli/commands/spf-flags';
import { DEFAULT_SPF_OPTIONS } from '../../engine/safety/spf-options';

test('SPF CLI flags: defaults are the engine\'s; project, gate, k and iterations parse; bad values are named', () => {
  const defaults = spfFromFlags({ spf: true });
  expect(defaults).toEqual({ ...DEFAULT_SPF_OPTIONS, enabled: true });
  const set = spfFromFlags({ spf: true, 'spf-project': 'both', 'spf-gate': 'block', 'spf-k': '2', 'spf-iters': '4,10', 'spf-refresh': '3' });
  expect(set).toMatchObject({ project: 'both', gate: 'block', k: 2, iters: { warm: 4, cold: 10 }, refreshEvery: 3 });
  expect(() => spfFromFlags({ 'spf-project': 'weights' })).toThrow(/--spf-project must be one of update, gradient, both/);
  expect(() => spfFromFlags({ 'spf-gate': 'sometimes' })).toThrow(/--spf-gate must be one of/);
  expect(() => spfFromFlags({ 'spf-k': '17' })).toThrow(/SPF k must be an integer in \[1, 16\]/);
});
