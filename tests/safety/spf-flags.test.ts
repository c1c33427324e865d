import { expect, test } from 'vitest';
import { spfFromFlags } from '../../cli/commands/spf-flags';
import { DEFAULT_SPF_OPTIONS } from '../../engine/safety/spf-options';

test('SPF CLI flags: defaults are the engine\'s; project, gate, k and iterations parse; bad values are named', () => {
  const defaults = spfFromFlags({ spf: true });
  expect(defaults).toEqual({ ...DEFAULT_SPF_OPTIONS, enabled: true });
  const set = spfFromFlags({ spf: true, 'spf-project': 'both', 'spf-gate': 'block', 'spf-k': '2', 'spf-iters': '4,10', 'spf-refresh': '3' });
  expect(set).toMatchObject({ project: 'both', gate: 'block', k: 2, iters: { warm: 4, cold: 10 }, refreshEvery: 3 });
  expect(() => spfFromFlags({ spf: true, 'spf-project': 'weights' })).toThrow(/--spf-project must be one of update, gradient, both/);
  expect(() => spfFromFlags({ spf: true, 'spf-gate': 'sometimes' })).toThrow(/--spf-gate must be one of/);
  expect(() => spfFromFlags({ spf: true, 'spf-k': '17' })).toThrow(/SPF k must be an integer in \[1, 16\]/);
});

test('an SPF setting without --spf is an error naming it, not a plain LoRA run that ignores it', () => {
  expect(() => spfFromFlags({ 'spf-k': '3' })).toThrow(/^train: --spf-k needs --spf$/);
  expect(() => spfFromFlags({ spf: false, 'spf-gate': 'block', 'spf-k': '2' })).toThrow(/^train: --spf-k, --spf-gate need --spf$/);
  expect(() => spfFromFlags({ 'spf-anchors': 'anchors.jsonl' })).toThrow(/--spf-anchors needs --spf/);
  // --probe is the guard's probe set, used with or without SPF.
  expect(spfFromFlags({ probe: 'probe.jsonl' }).enabled).toBe(false);
  expect(spfFromFlags({}).enabled).toBe(false);
});
