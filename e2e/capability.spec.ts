import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

// Screenshots for people to look at after a run (test-results/ is wiped by each run; this folder keeps the latest).
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

test('reports a WebGPU adapter and runs a compute shader on it', async ({ page }, testInfo) => {
  await page.goto('/');
  const check = page.getByTestId('capability-check');
  // The probe asks for an adapter and a device and compiles a pipeline: seconds on a software GPU.
  await expect(check).not.toHaveAttribute('data-state', 'checking', { timeout: 30_000 });
  await page.screenshot({ path: testInfo.outputPath('capability.png'), fullPage: true });
  await page.screenshot({ path: `${SCREENSHOTS}capability.png`, fullPage: true });

  await expect(check, `WebGPU unavailable: ${await check.innerText()}`).toHaveAttribute('data-state', 'available');
  const name = page.getByTestId('adapter-name');
  await expect(name).not.toHaveText('');
  await expect(name).not.toHaveText(/not disclosed/);
  await expect(page.getByTestId('self-test-output')).toHaveText('11, 22, 33, 44');
  await expect(page.getByTestId('self-test')).toHaveAttribute('data-ok', 'true');
});

test('explains how to enable WebGPU when the browser has none', async ({ page }) => {
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
  await page.screenshot({ path: `${SCREENSHOTS}no-webgpu.png`, fullPage: true });
});
