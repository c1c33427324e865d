import { describe, expect, it } from 'vitest';
import { anchorSetOf, anchorSetPatch } from '../../app/config/spf-anchor-sets';
import { DEFAULT_SPF_OPTIONS } from '../../engine/safety/spf-options';
import { readFileSync } from 'node:fs';
import { parseSafetyPairs } from '../../app/config/parse-safety-pairs';

const wide = Array.from({ length: 32 }, (_, i) => ({ request: `harmful request ${i}`, refusal: `refusal ${i}` }));

describe('SPF anchor sets (the form’s choice of anchors)', () => {
  it('names the set a configuration uses: bundled when empty, wide only for exactly the 32 in order', () => {
    expect(anchorSetOf({ anchors: [] }, wide)).toBe('bundled');
    expect(anchorSetOf({ anchors: wide.map((p) => ({ ...p })) }, wide)).toBe('wide');
    expect(anchorSetOf({ anchors: wide.slice(0, 31) }, wide)).toBe('custom');
    expect(anchorSetOf({ anchors: [wide[1]!, wide[0]!, ...wide.slice(2)] }, wide)).toBe('custom');
    expect(anchorSetOf({ anchors: [{ ...wide[0]!, refusal: 'other' }, ...wide.slice(1)] }, wide)).toBe('custom');
    expect(anchorSetOf({ anchors: [wide[0]!] }, [])).toBe('custom'); // no 32 shipped: any pairs are the user's
  });

  it('the 32 come with k 1 and the decision-token loss; the four restore the engine’s defaults', () => {
    const patch = anchorSetPatch('wide', DEFAULT_SPF_OPTIONS, wide);
    expect(patch).toEqual({ anchors: wide, k: 1, anchorTokens: 1 });
    expect(patch.anchors).not.toBe(wide); // the form edits a copy, never the store's defaults
    expect(anchorSetPatch('bundled', DEFAULT_SPF_OPTIONS, wide)).toEqual({ anchors: [], k: DEFAULT_SPF_OPTIONS.k, anchorTokens: DEFAULT_SPF_OPTIONS.anchorTokens });
    expect(anchorSetPatch('custom', DEFAULT_SPF_OPTIONS, wide)).toEqual({});
    expect(anchorSetOf({ anchors: patch.anchors! }, wide)).toBe('wide');
  });

  it('the shipped 32-anchor file parses into 32 pairs', () => {
    const parsed = parseSafetyPairs(readFileSync('public/datasets/safety-anchor-32.jsonl', 'utf8'), 'safety-anchor-32.jsonl');
    expect(parsed.ok && parsed.pairs.length).toBe(32);
  });
});
