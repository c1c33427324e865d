import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { setNumber } from './support/run-fields';
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

test('without WebGPU, trains on multi-threaded WebAssembly in the cross-origin isolated page', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  // Any error the page, the training worker or a pthread worker reports fails the test (Emscripten reports a failed
  // pthread worker as a warning, "worker sent an error!").
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const from = m.worker() === null ? 'page' : 'worker';
    if (m.type() === 'error' || /worker sent an error|pthread/i.test(m.text())) problems.push(`${from} console ${m.type()}: ${m.text()}`);
  });
  await page.addInitScript(() => {
    Reflect.deleteProperty(Navigator.prototype, 'gpu');
  });
  await page.goto('/');
  // COOP + COEP (vite.config.ts) make the page cross-origin isolated: SharedArrayBuffer, hence threads.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const engine = page.getByTestId('engine-backend');
  await expect(engine).toHaveAttribute('data-backend', 'cpu', { timeout: 60_000 });
  // The worker's line names the thread count tfjs-wasm's pool really has (getThreadsCount()).
  const expected = Math.min(8, cores);
  expect(expected, 'this test needs a machine with at least 2 cores').toBeGreaterThan(1);
  await expect(engine).toContainText(`WebAssembly (tfjs-wasm, ${expected} threads)`);

  // A few plain-LoRA steps of the demo model on its quick-demo task.
  await page.getByTestId('preset-quick-demo').click();
  await expect(page.getByTestId('step-dataset')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('config-spf').uncheck();
  await setNumber(page, 'config-batch-size', 2);
  await setNumber(page, 'config-max-length', 64);
  await page.getByTestId('config-duration-kind').selectOption('steps');
  await setNumber(page, 'config-max-steps', STEPS);
  const started = Date.now();
  await page.getByTestId('run-start').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
  testInfo.annotations.push({ type: 'training time', description: `${STEPS} steps in ${((Date.now() - started) / 1000).toFixed(1)} s on ${expected} threads` });

  const record = await runRecord(page);
  const losses = record.series.metrics.map((p) => p.loss);
  expect(losses).toHaveLength(STEPS);
  for (const loss of losses) expect(Number.isFinite(loss), `losses ${losses.join(', ')}`).toBe(true);
  await expect(page.getByTestId('errors')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('on a host that sends no COOP / COEP, the CPU fallback runs on one WebAssembly thread and says why', async ({ page }) => {
  // What a deployment without the isolation headers gets (README "Hosting"): the app works, on one thread.
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
  await page.addInitScript(() => {
    Reflect.deleteProperty(Navigator.prototype, 'gpu');
  });
  await page.goto('/');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  const engine = page.getByTestId('engine-backend');
  await expect(engine).toHaveAttribute('data-backend', 'cpu', { timeout: 60_000 });
  await expect(engine).toContainText('WebAssembly (tfjs-wasm, 1 thread: the page is not cross-origin isolated)');
  await page.unrouteAll({ behavior: 'ignoreErrors' }); // requests still in flight (the demo model) end with the page
});

const STEPS = 3;

/** The run record, through the page's own export (one zip holding one JSON file). */
async function runRecord(page: Page): Promise<{ series: { metrics: { step: number; loss: number }[] } }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('export-record').click()]);
  const entries = Object.values(unzipSync(new Uint8Array(readFileSync((await download.path())!))));
  expect(entries).toHaveLength(1);
  return JSON.parse(Buffer.from(entries[0]!).toString('utf8')) as { series: { metrics: { step: number; loss: number }[] } };
}
