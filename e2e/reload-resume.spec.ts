import { expect, test, type Page } from '@playwright/test';
import { snap } from './support/screens';
import { setNumber, stepOf } from './support/run-fields';

// A reload in the middle of a short run (issue 13, problem 2): with the default "checkpoint every 25", a 12-step run
// still saves every quarter (3 steps), so the reload offers to resume it; the runs table tells its true state, and
// resuming brings back its dataset and settings with it.

test('a reload mid-run offers the run back, with its dataset and settings', async ({ page }, testInfo) => {
  test.setTimeout(150_000);
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  await page.getByTestId('dataset-bundled-benign-task.jsonl').click();
  await expect(page.getByTestId('step-dataset')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('config-checkpoint-every')).toHaveValue('25'); // the default, unchanged
  await setNumber(page, 'config-batch-size', 2);
  await setNumber(page, 'config-max-length', 48);
  await page.getByTestId('config-duration-kind').selectOption('steps');
  await setNumber(page, 'config-max-steps', 12);
  await setNumber(page, 'config-eval-every', 6);
  await page.getByTestId('run-start').click();
  await expect.poll(() => stepOf(page), { timeout: 100_000, intervals: [500] }).toBeGreaterThanOrEqual(7);
  // The model's answers to the sample prompts at the drift measurement of step 6, beside those before training.
  const samples = page.getByTestId('sample-generations');
  await expect(samples).toHaveAttribute('data-step', '6');
  const answersAt6 = await samples.getByTestId('sample-latest').allTextContents();
  expect(answersAt6).toHaveLength(3);

  await page.reload();
  const banner = page.getByTestId('resume-banner');
  await expect(banner).toBeVisible({ timeout: 60_000 });
  const runId = await banner.getAttribute('data-run-id');
  // The runs table: interrupted, with the step its checkpoint holds, and the adapter of that checkpoint on offer.
  const row = page.locator(`tr[data-run-id="${runId}"]`);
  const saved = Number(await row.getAttribute('data-checkpoint'));
  expect(saved).toBeGreaterThanOrEqual(6); // a scheduled quarter (6), or the checkpoint the closing page asked for
  await expect(row.getByTestId('run-state')).toContainText(`interrupted at step ${saved} of 12 (checkpoint at step ${saved})`);
  await expect(row.getByTestId('past-run-adapter')).toBeVisible();
  await expect(row.getByTestId('past-run-resume')).toHaveText(`Resume from step ${saved}`);
  await snap(page, testInfo, 'reload-resume-offered');

  await page.getByTestId('resume-run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  // Dataset and settings came back with the run.
  await expect(page.getByTestId('step-dataset')).toContainText('benign-task.jsonl');
  await expect(page.getByTestId('dataset-report')).toHaveAttribute('data-rows', '300');
  await expect(page.getByTestId('config-max-steps')).toHaveValue('12');
  await expect(page.getByTestId('config-batch-size')).toHaveValue('2');
  await expect(page.getByTestId('config-eval-every')).toHaveValue('6');
  // The sample answers came back with the run (stored in its record), long before its next measurement at step 12.
  await expect(samples).toHaveAttribute('data-step', '6');
  expect(await samples.getByTestId('sample-latest').allTextContents()).toEqual(answersAt6);
  await expect.poll(() => stepOf(page), { timeout: 60_000, intervals: [500] }).toBeGreaterThan(saved);
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', /\d+/);
  expect(Number(await page.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThan(saved); // the series before the reload came back
  await snap(page, testInfo, 'reload-resumed');
  await page.getByTestId('run-stop').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 });
});

