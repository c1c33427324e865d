import { expect, test } from '@playwright/test';
import { snap } from './support/screens';

test('reports a WebGPU adapter and runs a compute shader on it', async ({ page }, testInfo) => {
  await page.goto('/');
  const check = page.getByTestId('capability-check');
  // The probe asks for an adapter and a device and compiles a pipeline: seconds on a software GPU.
  await expect(check).not.toHaveAttribute('data-state', 'checking', { timeout: 30_000 });
  await snap(page, testInfo, 'capability', page.getByTestId('step-capability'));

  await expect(check, `WebGPU unavailable: ${await check.innerText()}`).toHaveAttribute('data-state', 'available');
  const name = page.getByTestId('adapter-name');
  await expect(name).not.toHaveText('');
  await expect(name).not.toHaveText(/not disclosed/);
  await expect(page.getByTestId('self-test-output')).toHaveText('11, 22, 33, 44');
  await expect(page.getByTestId('self-test')).toHaveAttribute('data-ok', 'true');
});

test('explains how to enable WebGPU when the browser has none, and falls back to the CPU', async ({ page }, testInfo) => {
  // Simulate a browser without WebGPU: remove navigator.gpu before any page script runs.
  await page.addInitScript(() => {
    Reflect.deleteProperty(Navigator.prototype, 'gpu');
  });
  await page.goto('/');
  const check = page.getByTestId('capability-check');
  await expect(check).toHaveAttribute('data-state', 'unavailable', { timeout: 30_000 });
  const help = page.getByTestId('webgpu-help');
  await expect(help).toHaveAttribute('data-reason', 'no-webgpu');
  await expect(help).toContainText('--enable-unsafe-webgpu');
  await expect(help).toContainText('chrome://flags');
  // The CPU fallback runs the demo model, labelled as slow.
  const engine = page.getByTestId('engine-backend');
  await expect(engine).toHaveAttribute('data-backend', 'cpu', { timeout: 30_000 });
  await expect(engine).toContainText('slow');
  await expect(page.getByTestId('model-summary')).toContainText('CPU (slow)', { timeout: 60_000 });
  await snap(page, testInfo, 'no-webgpu', page.getByTestId('step-capability'));
  await snap(page, testInfo, 'no-webgpu-cpu-model', page.getByTestId('step-model'));
});
