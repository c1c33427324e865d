import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';

// tfjs-wasm's heap full for real (4 GiB of tensors): the module traps, and the CLI's and scripts' entry point must say
// so in one line naming the memory and what to do — not "memory access out of bounds" or "Aborted()" alone.
test('a full WebAssembly heap ends a script with one line naming the 4 GiB ceiling, and exit code 1', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tests/device/fixtures/wasm-heap-full.ts'], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status).toBe(1);
  expect(r.stdout).not.toMatch(/not reached/);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^error: WebAssembly backend aborted: tfjs-wasm stopped \((memory access out of bounds|Aborted\(\))\) with its memory at [\d,]+ MiB of the 4 GiB a WebAssembly module can hold: it ran out of memory \(hint: without WebGPU, .*--backend webgpu/);
}, 180_000);
