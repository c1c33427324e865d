import { expect, test } from '@playwright/test';
import { dropFiles } from './support/drop-files';
import { ALL_BROKEN_JSONL, GPT2_CONFIG, PARTLY_BROKEN_JSONL, reverseWordsJsonl } from './support/fixtures';
import { snap } from './support/screens';

// Bad input gets a clear message naming the line or the file, and the page stays usable afterwards.

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
});

test('a dataset with broken rows: the report names their lines, the good rows are used', async ({ page }, testInfo) => {
  await dropFiles(page, 'dataset-drop', [{ name: 'partly-broken.jsonl', content: PARTLY_BROKEN_JSONL }]);
  const report = page.getByTestId('dataset-report');
  await expect(report).toHaveAttribute('data-rows', '4', { timeout: 30_000 });
  await expect(report).toHaveAttribute('data-rejected', '2');
  const rejected = page.getByTestId('dataset-rejected');
  await expect(rejected).toContainText('partly-broken.jsonl line 2');
  await expect(rejected).toContainText('not valid JSON');
  await expect(rejected).toContainText('partly-broken.jsonl line 4');
  await snap(page, testInfo, 'errors-1-rejected-rows', page.getByTestId('step-dataset'));

  // The detected format can be overridden: as Alpaca rows, none of these fit, and the error says which fields are missing.
  const format = page.getByTestId('dataset-format');
  await format.selectOption('alpaca');
  const error = page.getByTestId('dataset-error');
  await expect(error).toBeVisible({ timeout: 30_000 });
  await expect(error).toContainText('instruction');
  await format.selectOption('');
  await expect(page.getByTestId('dataset-report')).toHaveAttribute('data-rows', '4', { timeout: 30_000 });
  await expect(page.getByTestId('dataset-detected-format')).toHaveAttribute('data-format', 'messages');
});

test('a dataset with no usable row: an error with line numbers, then a good file loads', async ({ page }, testInfo) => {
  await dropFiles(page, 'dataset-drop', [{ name: 'all-broken.jsonl', content: ALL_BROKEN_JSONL }]);
  const error = page.getByTestId('dataset-error');
  await expect(error).toBeVisible({ timeout: 30_000 });
  await expect(error).toHaveAttribute('data-code', 'bad-dataset');
  await expect(error).toContainText('all-broken.jsonl line 1');
  await expect(error).toContainText('line 2');
  await expect(error).toContainText('What to do:');
  await expect(page.getByTestId('run-start')).toBeDisabled();
  await snap(page, testInfo, 'errors-2-unusable-dataset', page.getByTestId('step-dataset'));

  // Still usable: the next file replaces the error, and training can start.
  await dropFiles(page, 'dataset-drop', [{ name: 'good.jsonl', content: reverseWordsJsonl(8) }]);
  await expect(page.getByTestId('dataset-report')).toHaveAttribute('data-rows', '8', { timeout: 30_000 });
  await expect(error).toHaveCount(0);
  await expect(page.getByTestId('run-start')).toBeEnabled();
});

test('a model folder of an unsupported architecture: the error lists the supported ones', async ({ page }, testInfo) => {
  await page.getByTestId('model-tab-files').click();
  await dropFiles(page, 'model-drop', [
    { name: 'config.json', content: GPT2_CONFIG, type: 'application/json' },
    { name: 'model.safetensors', content: '' },
  ]);
  const error = page.getByTestId('model-error');
  await expect(error).toBeVisible({ timeout: 30_000 });
  await expect(error).toHaveAttribute('data-code', 'unsupported-architecture');
  await expect(error).toContainText('GPT2LMHeadModel');
  for (const supported of ['LlamaForCausalLM', 'Qwen2ForCausalLM', 'Qwen3ForCausalLM']) await expect(error).toContainText(supported);
  await snap(page, testInfo, 'errors-3-unsupported-model', page.getByTestId('step-model'));

  // Still usable: the demo model stayed loaded (the worker checks a new model before letting the current one go).
  await expect(page.getByTestId('step-model')).toContainText('The model below is still loaded.');
  await expect(page.getByTestId('model-description')).toHaveText('bundled safetune-demo');
  await page.getByTestId('model-tab-bundled').click();
  await expect(page.getByTestId('demo-loaded')).toBeVisible();
});
