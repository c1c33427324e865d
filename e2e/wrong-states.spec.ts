import { expect, test } from '@playwright/test';
import { dropFiles } from './support/drop-files';
import { setNumber } from './support/run-fields';
import { snap } from './support/screens';

// The wrong or silent states a new user met (issue 13, problem 6): each now says what happened, and a bad input
// never throws away what was already loaded.

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
});

test('a PNG dropped as a dataset is named as an image, and the dataset loaded before stays', async ({ page }, testInfo) => {
  await page.getByTestId('dataset-bundled-benign-task.jsonl').click();
  const report = page.getByTestId('dataset-report');
  await expect(report).toHaveAttribute('data-rows', '300', { timeout: 30_000 });

  // A real PNG signature, then junk: the page checks the bytes before the worker parses anything.
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 64 }, (_, i) => i)];
  await dropFiles(page, 'dataset-drop', [{ name: 'photo.png', content: png, type: 'image/png' }]);
  const error = page.getByTestId('dataset-error');
  await expect(error).toBeVisible({ timeout: 30_000 });
  await expect(error).toContainText('photo.png is a PNG image, not a dataset');
  await expect(error).not.toContainText('map the columns');
  // The good dataset is still loaded, shown, and trainable.
  await expect(report).toHaveAttribute('data-rows', '300');
  await expect(page.getByTestId('dataset-kept')).toContainText('benign-task.jsonl');
  await expect(page.getByTestId('step-dataset')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('run-start')).toBeEnabled();
  await snap(page, testInfo, 'wrong-1-png-dropped', page.getByTestId('step-dataset'));
});

test('a .txt file trains as plain text, one example a line', async ({ page }) => {
  const lines = ['The cat sat on the mat.', '', 'Rain falls in spring.', 'Snow falls in winter.'];
  await dropFiles(page, 'dataset-drop', [{ name: 'notes.txt', content: lines.join('\n'), type: 'text/plain' }]);
  const report = page.getByTestId('dataset-report');
  await expect(report).toHaveAttribute('data-rows', '3', { timeout: 30_000 });
  await expect(report).toHaveAttribute('data-rejected', '0');
  await expect(page.getByTestId('dataset-detected-format')).toHaveAttribute('data-format', 'text');
});

test('checkpoint-every above the step count warns; Enter sends the chat and the prompt is shown', async ({ page }, testInfo) => {
  await page.getByTestId('config-duration-kind').selectOption('steps');
  await page.getByTestId('config-max-steps').fill('16');
  await page.getByTestId('config-checkpoint-every').fill('25');
  await expect(page.getByTestId('checkpoint-warning')).toContainText('more than the run');
  await page.getByTestId('config-checkpoint-every').fill('4');
  await expect(page.getByTestId('checkpoint-warning')).toHaveCount(0);

  const prompt = page.getByTestId('chat-prompt');
  await prompt.fill('What is 7 - 5?');
  await prompt.press('Enter');
  await expect(page.getByTestId('chat-base')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('chat-asked')).toContainText('What is 7 - 5?');
  await expect(prompt).toHaveValue('What is 7 - 5?'); // Enter sent it rather than adding a line
  await snap(page, testInfo, 'wrong-2-enter-sends', page.getByTestId('step-chat'));
});

test('"Estimate memory" offline says why there is no estimate', async ({ page }) => {
  await page.context().route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
  await page.getByTestId('model-tab-hub').click();
  await page.getByTestId('hub-model-id').fill('Qwen/Qwen3-0.6B');
  await page.getByTestId('hub-estimate').click();
  const problem = page.getByTestId('memory-estimate-problem');
  await expect(problem).toBeVisible({ timeout: 30_000 });
  await expect(problem).toContainText('Qwen/Qwen3-0.6B');
  await expect(problem).toContainText('network');
});

test('a run interrupted before its first checkpoint is listed as such, with no adapter and no resume on offer', async ({ page }, testInfo) => {
  test.setTimeout(150_000);
  await page.getByTestId('dataset-bundled-benign-task.jsonl').click();
  await expect(page.getByTestId('step-dataset')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await setNumber(page, 'config-batch-size', 2);
  await setNumber(page, 'config-max-length', 48);
  await page.getByTestId('config-duration-kind').selectOption('steps');
  await setNumber(page, 'config-max-steps', 8);
  await page.getByTestId('run-start').click();
  // Stored and training, still in the first step's warm-up: no step trained, so no checkpoint written.
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await expect(page.getByTestId('run-warmup')).toBeVisible();
  await expect(page.getByTestId('run-step')).toHaveText('0');
  await page.reload();
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });

  const row = page.getByTestId('past-runs').locator('tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-checkpoint', '');
  await expect(row.getByTestId('run-state')).toHaveText('interrupted at step 0 of 8 (no checkpoint)');
  // Only what exists: its record; no adapter (no checkpoint holds one) and nothing to resume from.
  await expect(row.getByTestId('past-run-record')).toBeVisible();
  await expect(row.getByTestId('past-run-adapter')).toHaveCount(0);
  await expect(row.getByTestId('past-run-resume')).toHaveCount(0);
  await expect(page.getByTestId('resume-banner')).toHaveCount(0);
  await snap(page, testInfo, 'wrong-3-no-checkpoint-no-adapter', page.getByTestId('past-runs'));
});
