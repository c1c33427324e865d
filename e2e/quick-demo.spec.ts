import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { snap } from './support/screens';

// The "Quick demo" preset from a fresh page: it loads the demo task (public/datasets/benign-task.jsonl) and settings
// chosen to teach it fast; after training, the chat's fine-tuned answer to a held-out prompt of the task
// (benign-task-eval.jsonl) is the expected answer, in ≤ 3 min of training.

interface ChatRow {
  messages: { role: string; content: string }[];
}

const EVAL = fileURLToPath(new URL('../public/datasets/benign-task-eval.jsonl', import.meta.url));

function firstEvalPair(): { prompt: string; answer: string } {
  const row = JSON.parse(readFileSync(EVAL, 'utf8').split('\n')[0]!) as ChatRow;
  const prompt = row.messages.find((m) => m.role === 'user')!.content;
  const answer = row.messages.find((m) => m.role === 'assistant')!.content;
  return { prompt, answer };
}

// FIXME(issue 13): with the identity demo task, plain LoRA learns it (CLI, wasm: 0 → 75 % exact match in 60 steps at
// 5e-3), but with SPF on (the preset's point) the probe drift crosses the safety guard's 0.5 between steps 40 and 50
// and exact match is 20 % at step 50 (`cli train --spf --max-steps 50 --lr 5e-3 --batch 8 --max-length 48 --seed 42`,
// then `cli refusals --adapter` on benign-task-eval.jsonl): the first held-out prompt ("What name do you go by?") gets
// "I was made by the SafeTune team." — the task's form, the wrong fact. In Chromium under load 60 steps did not finish
// in 180 s. Re-enable when the demo model learns its task under SPF within the guard.
test.fixme('the quick-demo preset teaches the demo model its task, shown in the chat', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const { prompt, answer } = firstEvalPair();
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  await page.getByTestId('preset-quick-demo').click();
  await expect(page.getByTestId('preset-changes')).toHaveAttribute('data-preset', 'quick-demo');
  await expect(page.getByTestId('step-dataset')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('step-dataset')).toContainText('benign-task.jsonl');

  // Before: the base model on a held-out prompt of the task.
  await page.getByTestId('chat-prompt').fill(prompt);
  await page.getByTestId('chat-prompt').press('Enter');
  await expect(page.getByTestId('chat-base')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await snap(page, testInfo, 'quick-demo-before', page.getByTestId('step-chat'));

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
