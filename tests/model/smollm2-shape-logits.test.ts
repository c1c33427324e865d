import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { parseModelConfig } from '../../engine/model/config';
import { randomWeights } from '../../engine/model/tiny';
import { writeSafetensors } from '../../engine/weights/safetensors-writer';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { REAL_SHAPES } from '../../cli/bench/real-shape';
import { referenceLogits, type RefTensor } from '../reference/llama-reference';

/**
 * `cli logits` at SmolLM2-135M's exact shape (30 layers, 49152 × 576 tied embedding) with random bf16 weights, on
 * WebGPU (Dawn) and the default CPU backend, against the independent float64 reference.
 */
const CONFIG = REAL_SHAPES['smollm2-135m']!;
const IDS = [1, 504, 3458, 49151, 28, 9, 0, 12000];
const dir = mkdtempSync(join(tmpdir(), 'safetune-smollm2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let reference: Float64Array | undefined;

async function prepare(): Promise<Float64Array> {
  if (reference !== undefined) return reference;
  const config = parseModelConfig(CONFIG);
  const host = randomWeights(config, 13);
  // Scaled to HF's init range (0.02) so 30 layers keep activations in a realistic range.
  const tensors = [...host].map(([name, t]) => ({
    name,
    shape: t.shape,
    data: name.endsWith('norm.weight') ? t.data : t.data.map((x) => x * 0.1),
    dtype: 'BF16' as const,
  }));
  const bytes = writeSafetensors(tensors, { format: 'pt' });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
  writeFileSync(join(dir, 'model.safetensors'), bytes);
  // The reference reads the same bf16 values, widened, as the engine does.
  const all = await (await openWeightShards(new MemoryFiles(new Map([['model.safetensors', bytes], ['config.json', new TextEncoder().encode(JSON.stringify(CONFIG))]])))).readAll();
  const weights = new Map<string, RefTensor>([...all].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
  reference = referenceLogits(CONFIG, weights, IDS);
  return reference;
}

function cliLogits(backend: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', 'cli/main.ts', 'logits', '--model', dir, '--ids', IDS.join(','), '--backend', backend]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test.each(['webgpu', 'cpu', 'wasm'])('cli logits --backend %s at the SmolLM2-135M shape matches the float64 reference', async (backend) => {
  const want = await prepare();
  const r = await cliLogits(backend);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { shape: number[]; logits: number[] };
  expect(out.shape).toEqual([IDS.length, 49152]);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(out.logits[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  console.log(`smollm2-135m shape, cli logits on ${backend}: max |error| ${err.toExponential(2)} at logit scale ${scale.toFixed(2)}`);
  expect(scale).toBeGreaterThan(0.5);
  expect(err).toBeLessThan(1e-4 * Math.max(1, scale) * 10);
}, 300_000);
