import { expect, type Page } from '@playwright/test';

/** Types a number into the settings field with this test id and waits until the page holds it. */
export async function setNumber(page: Page, testId: string, value: number): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill(String(value));
  await expect(input).toHaveValue(String(value));
}

/** The step the run bar shows now. */
export async function stepOf(page: Page): Promise<number> {
  return Number(await page.getByTestId('run-step').textContent());
}
