import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { meanLoss } from '../../engine/train/trainer';
import type { TokenizedExample } from '../../engine/data/types';
import { setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';

// meanLoss (validation, the safety probe) reads each batch back before the next: a long evaluation must hand the
// event loop turns, or the WebGPU host cannot release per-dispatch objects. At the SmolLM2-135M shape the probe
// baseline (40 probes, ~50,000 dispatches in one synchronous stretch) exhausted Mesa's memory mappings: SIGSEGV.

function examples(n: number, length: number): TokenizedExample[] {
  return Array.from({ length: n }, (_, i) => {
    const ids = Array.from({ length }, (_, t) => (i * 7 + t * 3) % 60);
    return { ids, labels: ids.map((id, t) => (t < 2 ? -100 : id)), truncated: false, source: { file: 'probe.jsonl', line: i + 1 } };
  });
}

const mappings = (): number => readFileSync('/proc/self/maps', 'utf8').split('\n').length;

describe('meanLoss', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  it.runIf(process.platform === 'linux')('on Dawn, a long evaluation does not pile up memory mappings (one per unreleased bind group)', async () => {
    await setBackend('webgpu');
    const model = await tinyModel('llama');
    const set = examples(120, 16);
    await meanLoss(model, set.slice(0, 2), 1, 16, 0); // pipelines compiled, pools warm
    const start = mappings();
    const loss = await meanLoss(model, set, 1, 16, 0); // 120 batches × ~100 dispatches
    const grown = mappings() - start;
    expect(Number.isFinite(loss)).toBe(true);
    // Without the per-batch read this grew by ~one mapping per dispatch (> 10,000 here).
    expect(grown).toBeLessThan(3000);
    model.dispose();
  }, 120_000);
});
