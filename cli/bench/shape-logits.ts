import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig } from '../../engine/model/config';
import { randomWeights } from '../../engine/model/tiny';
import { writeSafetensors } from '../../engine/weights/safetensors-writer';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { referenceLogits, type RefTensor } from '../../tests/reference/llama-reference';

export interface LogitsCheck {
  backend: string;
  exit_code: number | null;
  max_abs_error: number | null; // null when the command failed
  logit_scale: number;
  stderr_tail: string;
}

/** Token ids to score: the vocabulary's last id among them (the last row of the last vocabulary chunk). */
function checkIds(vocab: number): number[] {
  return [1, 504, 3458, vocab - 1, 28, 9, 0, 12000];
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args]); // as package.json runs the CLI: no tsx wrapper
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `cli logits` on a model folder of the exact HF shape `name` (config.json + random bf16 safetensors, scaled to HF's
 * init range), on each backend, against the independent float64 reference in tests/reference. At the SmolLM2-135M
 * shape this takes minutes on a software GPU: too long for the unit suite, so it lives in the bench. `hf` is
 * REAL_SHAPES[name], or it with fewer decoder layers (`--layers`).
 */
export async function checkShapeLogits(name: string, hf: Record<string, unknown>, backends: readonly string[], say: (s: string) => void): Promise<LogitsCheck[]> {
  const config = parseModelConfig(hf);
  const ids = checkIds(config.vocabSize);
  const dir = mkdtempSync(join(tmpdir(), `safetune-${name}-`));
  try {
    const tensors = [...randomWeights(config, 13)].map(([tensorName, t]) => ({
      name: tensorName,
      shape: t.shape,
      data: tensorName.endsWith('norm.weight') ? t.data : t.data.map((x) => x * 0.1),
      dtype: 'BF16' as const,
    }));
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const configBytes = new TextEncoder().encode(JSON.stringify(hf));
    writeFileSync(join(dir, 'config.json'), configBytes);
    writeFileSync(join(dir, 'model.safetensors'), bytes);
    // The reference reads the same bf16 values, widened, as the engine does.
    const all = await (await openWeightShards(new MemoryFiles(new Map([['model.safetensors', bytes], ['config.json', configBytes]])))).readAll();
    const want = referenceLogits(hf, new Map<string, RefTensor>([...all].map(([n, t]) => [n, { shape: t.shape, data: t.data }])), ids);
    const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const out: LogitsCheck[] = [];
    for (const backend of backends) {
      const r = await run(['logits', '--model', dir, '--ids', ids.join(','), '--backend', backend]);
      let err: number | null = null;
      if (r.code === 0) {
        const got = (JSON.parse(r.stdout) as { logits: number[] }).logits;
        err = got.length === want.length ? want.reduce((m, x, i) => Math.max(m, Math.abs(got[i]! - x)), 0) : Infinity;
      }
      say(`${name} shape (${config.numLayers} layer${config.numLayers === 1 ? '' : 's'}), cli logits --backend ${backend}: exit ${r.code}, max |error| ${err === null ? 'n/a' : err.toExponential(2)} at logit scale ${scale.toFixed(2)}`);
      out.push({ backend, exit_code: r.code, max_abs_error: err, logit_scale: scale, stderr_tail: r.stderr.split('\n').filter((l) => l.startsWith('error:')).join(' ') });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
