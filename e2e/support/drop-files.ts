import type { Page } from '@playwright/test';

export interface DroppedFile {
  name: string;
  /** Text (written as UTF-8), or raw bytes for a binary file. */
  content: string | number[];
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
    for (const f of list) {
      const body = typeof f.content === 'string' ? f.content : new Uint8Array(f.content);
      dt.items.add(new File([body], f.name, { type: f.type ?? 'application/octet-stream' }));
    }
    return dt;
  }, files);
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer });
  await dataTransfer.dispose();
}
