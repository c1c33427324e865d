import { expect, test, type Locator, type Page } from '@playwright/test';
import { snap } from './support/screens';
import { setNumber } from './support/run-fields';

// The page as a cockpit at a laptop's 1440×900: the run bar and the three main charts stay in sight while a setting
// changes; the browser check is a badge; a finished run's page (details folded) is at most 2.5 screens tall.

const WIDTH = 1440;
const HEIGHT = 900;

test.use({ viewport: { width: WIDTH, height: HEIGHT } });

test('settings, run bar and charts on one screen; a short run; the page stays short', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });

  // The browser check is one line in the header; the adapter's limits are there on demand, not on the first screen.
  const badge = page.getByTestId('step-capability');
  await expect(page.getByTestId('engine-backend')).toHaveAttribute('data-backend', 'webgpu');
  expect((await badge.boundingBox())!.height).toBeLessThan(80);
  await expect(page.getByText('maxStorageBufferBindingSize')).toHaveCount(0);
  await expect(page.getByTestId('adapter-name')).toBeHidden();
  await badge.getByText('Browser details').click();
  await expect(page.getByTestId('adapter-name')).toBeVisible();
  await badge.getByText('Browser details').click();
  // The demo model loads by itself: no "Load the demo model" button offered for what is already loaded.
  await expect(page.getByTestId('demo-loaded')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Load the demo model' })).toHaveCount(0);

  await page.getByTestId('dataset-bundled-benign-task.jsonl').click();
  await expect(page.getByTestId('step-dataset')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });

  // Change a setting far down the settings column: the run bar and the three main charts are still on screen.
  const checkpointField = page.getByTestId('config-checkpoint-every');
  await checkpointField.scrollIntoViewIfNeeded();
  await checkpointField.fill('25');
  for (const id of ['step-train', 'run-start', 'chart-loss', 'chart-drift', 'chart-spf']) await expectInViewport(page, page.getByTestId(id), id);
  await expectInViewport(page, checkpointField, 'the setting being changed');
  // Help is a focusable button that opens its text (keyboard and touch), not only a hover tooltip.
  const help = page.getByTestId('step-config').getByRole('button', { name: 'What is this?' }).first();
  await help.focus();
  await page.keyboard.press('Enter');
  await expect(help).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('step-config').getByRole('note').first()).toBeVisible();
  await page.keyboard.press('Enter'); // and closes it again
  await expect(page.getByTestId('step-config').getByRole('note')).toHaveCount(0);

  // A 6-step run: the first step's warm-up is named, the charts fill, each chart says what good and bad look like.
  await setNumber(page, 'config-batch-size', 2);
  await setNumber(page, 'config-max-length', 48);
  await page.getByTestId('config-duration-kind').selectOption('steps');
  await setNumber(page, 'config-max-steps', 6);
  await setNumber(page, 'config-eval-every', 3);
  await page.getByTestId('run-start').click();
  await expect(page.getByTestId('run-warmup')).toBeVisible({ timeout: 30_000 });
  await expect.poll(async () => Number(await page.getByTestId('run-step').textContent()), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
  await snap(page, testInfo, 'cockpit-training', undefined, { fullPage: false });
  for (const id of ['chart-loss', 'chart-drift', 'chart-spf', 'chart-optimizer']) await expect(page.getByTestId(`${id}-caption`)).not.toBeEmpty();
  await expect(page.getByTestId('chart-spf-caption')).toContainText('cos < 0');
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  // At each drift measurement the model answered a few of the dataset's prompts, beside the dataset's answers.
  await expect(page.getByTestId('sample-generations')).toHaveAttribute('data-step', '6');
  await expect(page.getByTestId('sample-generations').locator('tbody tr')).toHaveCount(3);
  // Drift is read in fixed decimals, never as "-6.490e-5".
  await expect(page.getByTestId('run-drift')).toHaveText(/^-?\d+\.\d{3}$/);

  // The finished run's whole page, details folded: at most 2.5 screens.
  await snap(page, testInfo, 'cockpit-finished');
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  testInfo.annotations.push({ type: 'page height', description: `${height} px at ${WIDTH}×${HEIGHT}` });
  expect(height).toBeLessThanOrEqual(2.5 * HEIGHT);

  // After a reload the finished run is a past run: its curves can be drawn on the (empty) charts for comparison.
  await page.reload();
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  const row = page.getByTestId('past-runs').locator('tbody tr').first();
  await expect(row.getByTestId('run-state')).toHaveText('finished, 6 steps');
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', '0');
  await row.getByTestId('past-run-overlay').click();
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', '6');
  await expect(page.getByTestId('chart-drift')).toHaveAttribute('data-points', '3'); // drift at steps 0, 3, 6
  await expect(row.getByTestId('past-run-overlay')).toHaveAttribute('aria-pressed', 'true');
  await snap(page, testInfo, 'cockpit-past-run-overlay', page.locator('.cockpit-run'));
});

test('on a narrow screen the cockpit stacks: settings, then the run bar and charts, one column', async ({ page }) => {
  await page.setViewportSize({ width: 760, height: 900 });
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  const settings = (await page.getByTestId('step-config').boundingBox())!;
  const runBar = (await page.getByTestId('step-train').boundingBox())!;
  const chart = (await page.getByTestId('chart-loss').boundingBox())!;
  expect(runBar.y).toBeGreaterThan(settings.y + settings.height - 1); // below the settings, not beside them
  expect(Math.abs(runBar.x - settings.x)).toBeLessThan(2);
  expect(chart.x + chart.width).toBeLessThanOrEqual(760); // nothing runs off the side
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(760);
});

/** The element lies wholly inside the window as it is scrolled now. */
async function expectInViewport(page: Page, locator: Locator, what: string): Promise<void> {
  const box = await locator.boundingBox();
  expect(box, `${what} is not rendered`).not.toBeNull();
  const { y, height } = box!;
  expect(y, `${what} starts above the window`).toBeGreaterThanOrEqual(0);
  expect(y + height, `${what} ends below the window`).toBeLessThanOrEqual(HEIGHT);
  void page;
}

