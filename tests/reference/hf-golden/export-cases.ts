/**
 * Writes every golden case (config, weights by HF name, ids, labels, LoRA factors) as JSON for make_golden.py.
 * Usage: npx tsx tests/reference/hf-golden/export-cases.ts <out-dir>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomLora, randomWeights } from '../tiny-models';
import type { RefTensor } from '../types';
import { GOLDEN_CASES } from './cases';

const outDir = process.argv[2];
if (outDir === undefined) throw new Error('usage: export-cases.ts <out-dir>');
mkdirSync(outDir, { recursive: true });

const plain = (tensor: RefTensor) => ({ shape: tensor.shape, data: Array.from(tensor.data) });

for (const c of GOLDEN_CASES) {
  const weights = Object.fromEntries([...randomWeights(c.config, c.weightSeed)].map(([name, t]) => [name, plain(t)]));
  const lora =
    c.lora === null
      ? null
      : (() => {
          const adapter = randomLora(c.config, c.lora.targets, c.lora);
          return {
            r: adapter.r,
            alpha: adapter.alpha,
            use_rslora: adapter.useRslora,
            targets: c.lora.targets.map((t) => t.split('.')[1]),
            modules: Object.fromEntries([...adapter.modules].map(([path, { A, B }]) => [path, { A: plain(A), B: plain(B) }])),
          };
        })();
  writeFileSync(join(outDir, `${c.name}.json`), JSON.stringify({ name: c.name, config: c.config, weights, ids: c.ids, labels: c.labels, lora }));
}
console.log(`wrote ${GOLDEN_CASES.length} cases to ${outDir}`);
