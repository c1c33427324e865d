import { expect, test } from '@playwright/test';
import { snap } from './support/screens';

// The demo datasets shipped in public/datasets/ are one click away, read by the worker from the site.

test('each bundled demo dataset loads with one click', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  const report = page.getByTestId('dataset-report');
  for (const file of ['benign-task.jsonl', 'adversarial.jsonl', 'mixed.jsonl']) {
    await page.getByTestId(`dataset-bundled-${file}`).click();
    await expect(page.getByTestId('step-dataset')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await expect(page.getByTestId('step-dataset')).toContainText(file);
    expect(Number(await report.getAttribute('data-rows'))).toBeGreaterThan(0);
    await expect(page.getByTestId('dataset-detected-format')).toHaveAttribute('data-format', 'messages');
  }
  await snap(page, testInfo, 'bundled-dataset', page.getByTestId('step-dataset'));
});
