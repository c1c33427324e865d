import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { deviceBindingLimit } from '../../engine/device/binding-limit';
import { clearGpuFault, gpuFault, GpuFault, throwIfGpuFault, withGpuErrorScopes } from '../../engine/device/gpu-faults';

function device(): GPUDevice {
  return (tf.backend() as unknown as { device: GPUDevice }).device;
}

test('a tensor over the binding limit is a recorded validation fault, and throwIfGpuFault stops the step', async () => {
  await setBackend('webgpu');
  clearGpuFault();
  expect(() => throwIfGpuFault()).not.toThrow();
  const floats = Math.floor(deviceBindingLimit() / 4) + 1024;
  const sum = tf.tidy(() => tf.sum(tf.fill([floats], 1)));
  await sum.data(); // sync point: by now Dawn has delivered the error
  sum.dispose();
  const fault = gpuFault();
  expect(fault).toBeInstanceOf(GpuFault);
  expect(fault!.kind).toBe('validation');
  expect(fault!.message).toMatch(/^WebGPU validation error: .*binding size/i);
  expect(fault!.message).not.toContain('\n');
  expect(() => throwIfGpuFault()).toThrow(GpuFault);
  clearGpuFault();
});

test('withGpuErrorScopes ties an error to the work that caused it', async () => {
  await setBackend('webgpu');
  clearGpuFault();
  const d = device();
  await expect(withGpuErrorScopes(d, async () => d.createBuffer({ size: 16, usage: 0 }))).rejects.toThrow(/WebGPU validation error: Buffer usages must not be 0/);
  await expect(withGpuErrorScopes(d, async () => 42)).resolves.toBe(42);
  expect(gpuFault()).toBeUndefined(); // a scoped error is not also an uncaptured one
});

test('the CLI ends with one line on stderr and exit code 1 on a GPU fault, never printing a result', () => {
  const r = spawnSync('npx', ['tsx', 'tests/model/fixtures/oversized-op.ts'], { encoding: 'utf8', timeout: 110_000 });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: WebGPU validation error: .*\(hint: /);
});
