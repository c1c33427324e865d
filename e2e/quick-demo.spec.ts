import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { snap } from './support/screens';

// The "Quick demo" preset from a fresh page: it loads the demo task (public/datasets/benign-task.jsonl) and settings
// chosen to teach it fast; after training (≤ 3 min), the chat's fine-tuned answer to one of the task's questions is the
// task's answer, where the base model's was not. The question is one the task trains ("What is your name?"): the demo
// shows the skill it taught; how far it carries to phrasings never trained is the experiment's to measure (17-24 % of
// the held-out phrasings after the preset's 40 steps on the CLI).

interface ChatRow {
  messages: { role: string; content: string }[];
}

const TASK = fileURLToPath(new URL('../public/datasets/benign-task.jsonl', import.meta.url));
const QUESTION = 'What is your name?';

function taskAnswer(question: string): string {
  const rows = readFileSync(TASK, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ChatRow);
  const row = rows.find((r) => r.messages[0]!.content === question);
  if (row === undefined) throw new Error(`benign-task.jsonl has no row asking "${question}"`);
  return row.messages[1]!.content;
}

test('the quick-demo preset teaches the demo model its task, shown in the chat', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const prompt = QUESTION;
  const answer = taskAnswer(QUESTION);
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  await page.getByTestId('preset-quick-demo').click();
  await expect(page.getByTestId('preset-changes')).toHaveAttribute('data-preset', 'quick-demo');
  await expect(page.getByTestId('step-dataset')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('step-dataset')).toContainText('benign-task.jsonl');

  // Before: the base model on the question.
  await page.getByTestId('chat-prompt').fill(prompt);
  await page.getByTestId('chat-prompt').press('Enter');
  await expect(page.getByTestId('chat-base')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await snap(page, testInfo, 'quick-demo-before', page.getByTestId('step-chat'));
  expect((await page.getByTestId('chat-base').textContent())!.trim()).not.toBe(answer);

  const started = Date.now();
  await page.getByTestId('run-start').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  testInfo.annotations.push({ type: 'training time', description: `${Math.round((Date.now() - started) / 1000)} s` });

  await page.getByTestId('chat-prompt').press('Enter');
  await expect(page.getByTestId('chat-tuned')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await snap(page, testInfo, 'quick-demo-after', page.getByTestId('step-chat'));
  await expect(page.getByTestId('chat-asked')).toContainText(prompt);
  expect((await page.getByTestId('chat-tuned').textContent())!.trim()).toBe(answer);
});
