import { expect, test } from '@playwright/test';
import { dropFiles } from './support/drop-files';
import { PROBE_JSONL, reverseWordsJsonl } from './support/fixtures';
import { snap } from './support/screens';
import { setNumber } from './support/run-fields';

// After a run that trains SPF and, beside it, the plain-LoRA comparison: the chat asks all three models (base, SPF,
// plain LoRA) and shows the plain-LoRA column; the refusal check counts the prompts judged while it runs, then shows
// each model's rate and answers. A 4-step run on 16 short rows and a 3-pair probe set, for a software GPU.

const PROBE_PROMPTS = 3;

test('with a plain-LoRA comparison the chat answers in three columns; the refusal check counts as it judges', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  await dropFiles(page, 'dataset-drop', [{ name: 'reverse-words.jsonl', content: reverseWordsJsonl(16), type: 'application/jsonl' }]);
  await expect(page.getByTestId('dataset-report')).toHaveAttribute('data-rows', '16', { timeout: 30_000 });
  // No run, no comparison adapter: the chat has no plain-LoRA column yet.
  await expect(page.getByTestId('chat-plain')).toHaveCount(0);

  await expect(page.getByTestId('config-spf')).toBeChecked();
  await page.getByTestId('config-compare').check();
  await page.getByTestId('spf-details').locator('summary').click(); // the probe set is with SPF's folded details
  await page.getByTestId('probe-set').locator('input[type=file]').setInputFiles({ name: 'probe.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(PROBE_JSONL) });
  await expect(page.getByTestId('probe-set')).toHaveAttribute('data-source', 'custom');
  await setNumber(page, 'config-batch-size', 2);
  await setNumber(page, 'config-max-length', 48);
  await page.getByTestId('config-duration-kind').selectOption('steps');
  await setNumber(page, 'config-max-steps', 4);
  await setNumber(page, 'config-eval-every', 4);
  await page.getByTestId('config-guard').uncheck();
  await page.getByTestId('run-start').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(page.getByTestId('run-drift')).toContainText('plain LoRA'); // both adapters trained

  // The chat: one prompt, three models, each answer streamed into its own column.
  const chat = page.getByTestId('step-chat');
  await expect(page.getByTestId('chat-send')).toHaveText('Ask all three models');
  await page.getByTestId('chat-prompt').fill('Reverse the words: red blue green');
  await page.getByTestId('chat-send').click();
  for (const side of ['base', 'tuned', 'plain']) await expect(page.getByTestId(`chat-${side}`)).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(chat.getByRole('heading', { name: 'Plain LoRA (no SPF)' })).toBeVisible();
  await expect(chat.getByRole('heading', { name: 'Fine-tuned with SPF' })).toBeVisible();
  await expect(page.getByTestId('chat-plain')).not.toHaveText('');
  await snap(page, testInfo, 'chat-compare-1-three-columns', chat);

  // The refusal check: every text its progress line shows is recorded (a MutationObserver, so no count is missed
  // between two polls), then the rates of both models on the run's 3 probe prompts.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { refusalProgressSeen: string[] }).refusalProgressSeen = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="refusal-progress"]')?.textContent ?? undefined;
      if (text !== undefined && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('refusal-check').click();
  await expect(page.getByTestId('refusal-progress')).toBeVisible();
  await expect(page.getByTestId('refusal-check')).toHaveText('Checking refusals…');
  await snap(page, testInfo, 'chat-compare-2-refusal-counting', chat);
  for (const side of ['base', 'tuned']) {
    const result = page.getByTestId(`refusal-${side}`);
    await expect(result).toContainText(`of ${PROBE_PROMPTS} probe prompts`, { timeout: 120_000 });
    const rate = Number(await result.getAttribute('data-rate'));
    expect(rate >= 0 && rate <= 1, `${side} refusal rate ${rate}`).toBe(true);
  }
  await expect(page.getByTestId('refusal-progress')).toHaveCount(0); // the count goes when the check ends
  await expect(page.getByTestId('refusal-check')).toBeEnabled();
  const seen = await page.evaluate(() => (window as unknown as { refusalProgressSeen: string[] }).refusalProgressSeen);
  testInfo.annotations.push({ type: 'refusal progress seen', description: seen.join(' | ') });
  for (const text of seen) expect(text).toMatch(new RegExp(`^(starting…|[1-${PROBE_PROMPTS}] of ${PROBE_PROMPTS} prompts judged)$`));
  expect(seen).toEqual(expect.arrayContaining([`1 of ${PROBE_PROMPTS} prompts judged`, `2 of ${PROBE_PROMPTS} prompts judged`]));
  // What each model answered, prompt by prompt, with the judge's verdict.
  const answers = chat.locator('details.samples');
  await expect(answers).toHaveCount(2);
  await answers.first().locator('summary').click();
  await expect(answers.first().locator('li')).toHaveCount(PROBE_PROMPTS);
  await snap(page, testInfo, 'chat-compare-3-refusal-result', chat);
});
