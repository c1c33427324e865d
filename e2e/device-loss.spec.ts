import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { expect, test, type Download, type Locator, type Page, type Worker } from '@playwright/test';
import type { DeviceDestroyedAt, WorkerTestHooks } from '../workers/test-hooks';
import { dropFiles } from './support/drop-files';
import { reverseWordsJsonl } from './support/fixtures';
import { snap } from './support/screens';
import { setNumber, stepOf } from './support/run-fields';

// The real WebGPU device destroyed in the training worker mid-run (device.destroy() through the worker's test hook,
// present in the test build only): the run pauses with a message saying what happened, the checkpoint in OPFS is the
// last one written before the destroy, and after a reload the run resumes from it on a fresh device and trains on.

const TOTAL_STEPS = 40;

test('a GPU device destroyed mid-run pauses the run at an intact checkpoint, and the run resumes after a reload', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const downloads: Download[] = [];
  page.on('download', (d) => downloads.push(d));

  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  await dropFiles(page, 'dataset-drop', [{ name: 'reverse-words.jsonl', content: reverseWordsJsonl(16), type: 'application/jsonl' }]);
  await expect(page.getByTestId('dataset-report')).toHaveAttribute('data-rows', '16', { timeout: 30_000 });

  // Plain LoRA (the fastest step), a checkpoint after every step: without the guard against saving after a faulted
  // step, the step that ran on the destroyed device would be checkpointed.
  await page.getByTestId('config-spf').uncheck();
  await setNumber(page, 'config-batch-size', 2);
  await setNumber(page, 'config-max-length', 48);
  await page.getByTestId('config-duration-kind').selectOption('steps');
  await setNumber(page, 'config-max-steps', TOTAL_STEPS);
  await setNumber(page, 'config-eval-every', 0);
  await page.getByTestId('config-guard').uncheck();
  await setNumber(page, 'config-checkpoint-every', 1);

  const status = page.getByTestId('run-status');
  await page.getByTestId('run-start').click();
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await expect.poll(() => stepOf(page), { timeout: 120_000, intervals: [500] }).toBeGreaterThanOrEqual(3);

  // Destroy the device while the run trains: not SafeTune's own destroy, so the device watch takes it as a fault.
  const at = await destroyGpuDevice(page);
  expect(at.step).toBeGreaterThanOrEqual(3);

  await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  const reason = page.getByTestId('run-reason');
  await expect(reason).toContainText('GPU device was lost');
  await expect(reason).toContainText(/resume continues from step \d+/);
  const error = page.getByTestId('run-error');
  await expect(error).toHaveAttribute('data-code', 'device-lost');
  await expect(error).toContainText('Reload the page');
  // Only what works is offered: no Resume (it would fail on the lost device) and no Stop, but a reload, which gets a
  // new device.
  await expect(page.getByTestId('run-resume')).toHaveCount(0);
  await expect(page.getByTestId('run-stop')).toBeDisabled();
  const reload = page.getByTestId('run-reload');
  await expect(reload).toBeEnabled();
  await expect(reload).toHaveText('Reload to resume');
  await snap(page, testInfo, 'device-loss-1-paused', page.getByTestId('step-train'));
  const resumeFrom = Number(/resume continues from step (\d+)/.exec((await reason.textContent()) ?? '')![1]);
  // Nothing saved after the destroy: the last checkpoint is at most the step completed when the device went.
  expect(resumeFrom).toBeGreaterThanOrEqual(1);
  expect(resumeFrom).toBeLessThanOrEqual(at.step!);

  // The button reloads the page; the new page gets a fresh device, and the stored run, paused at that checkpoint, is
  // offered for resuming.
  await Promise.all([page.waitForEvent('load', { timeout: 30_000 }), reload.click()]);
  const banner = page.getByTestId('resume-banner');
  await expect(banner).toBeVisible({ timeout: 90_000 });
  const runId = (await banner.getAttribute('data-run-id'))!;
  const stored = await downloadRecord(page, downloads, page.getByTestId('past-runs').locator(`tr[data-run-id="${runId}"]`).getByTestId('past-run-record'), runId);
  expect(stored).toMatchObject({ status: 'paused', checkpointStep: resumeFrom });
  expect(stored.reason).toMatch(/GPU device was lost .*destroyed by a call SafeTune did not make/);

  // Resume: the checkpoint loads (its files are verified against their sizes and SHA-256) and training goes on.
  await page.getByTestId('resume-run').click();
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  await expect.poll(() => stepOf(page), { timeout: 90_000, intervals: [500] }).toBeGreaterThan(resumeFrom + 1);
  await page.getByTestId('run-stop').click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 });
  await expect(page.getByTestId('run-error')).toHaveCount(0);
  await snap(page, testInfo, 'device-loss-2-resumed', page.getByTestId('step-train'));

  // One series from step 1 on, each step once: the resumed run continued exactly where its checkpoint left off.
  const record = await downloadRecord(page, downloads, page.getByTestId('export-record'), runId);
  const steps = record.series.metrics.map((p) => p.step);
  expect(steps.length).toBeGreaterThan(resumeFrom + 1);
  expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  expect(record.series.metrics.every((p) => Number.isFinite(p.loss))).toBe(true);
});

interface RunRecordShape {
  status: string;
  reason?: string;
  checkpointStep?: number;
  series: { metrics: { step: number; loss: number }[] };
}

/** Calls the training worker's test hook. */
async function destroyGpuDevice(page: Page): Promise<DeviceDestroyedAt> {
  const worker = page.workers().find((w: Worker) => w.url().includes('trainer.worker'));
  if (worker === undefined) throw new Error(`no training worker among ${page.workers().map((w) => w.url()).join(', ') || 'no workers'}`);
  return worker.evaluate(() => {
    const hooks = (self as unknown as { safetuneTestHooks?: WorkerTestHooks }).safetuneTestHooks;
    if (hooks === undefined) throw new Error('the worker has no test hooks: build with VITE_SAFETUNE_TEST_HOOKS=1 (playwright.config.ts does)');
    return hooks.destroyGpuDevice();
  });
}

/**
 * Clicks a button that exports a run record and returns the record: the export is one zip, <runId>-record.zip,
 * holding <runId>.json and nothing else.
 */
async function downloadRecord(page: Page, downloads: Download[], button: Locator, runId: string): Promise<RunRecordShape> {
  const before = downloads.length;
  await button.click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(before + 1);
  const download = downloads[before]!;
  expect(download.suggestedFilename()).toBe(`${runId}-record.zip`);
  const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  expect(Object.keys(files)).toEqual([`${runId}.json`]);
  return JSON.parse(new TextDecoder().decode(files[`${runId}.json`])) as RunRecordShape;
}
