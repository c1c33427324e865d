import type { Page } from '@playwright/test';

export interface DroppedFile {
  name: string;
  content: string;
  type?: string;
}

/**
 * Drops files on an element the way a user's drag does: a DataTransfer holding real File objects, and the
 * dragenter / dragover / drop events dispatched on the element, so the page's own drop handler reads them.
 */
export async function dropFiles(page: Page, testId: string, files: readonly DroppedFile[]): Promise<void> {
  const target = page.getByTestId(testId);
  await target.scrollIntoViewIfNeeded();
  const dataTransfer = await page.evaluateHandle((list: readonly DroppedFile[]) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.content], f.name, { type: f.type ?? 'application/octet-stream' }));
    return dt;
  }, files);
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer });
  await dataTransfer.dispose();
}
