import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page, TestInfo } from '@playwright/test';

/** e2e/screenshots/ keeps the latest run's pictures for people to look at (git-ignored; test-results/ is wiped per run). */
const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

/**
 * A screenshot of a stage, saved under e2e/screenshots/ and attached to the test's report: of the part of the page the
 * stage is about when `focus` is given (a whole-page picture shrinks it past reading), else the page.
 */
export async function snap(page: Page, testInfo: TestInfo, name: string, focus?: Locator, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}${name}.png`;
  // fullPage: false takes the window as the user sees it (the cockpit's first screen).
  const body = focus === undefined ? await page.screenshot({ path, fullPage: options.fullPage ?? true }) : await focus.screenshot({ path });
  await testInfo.attach(name, { body, contentType: 'image/png' });
}
