import { expect, test, type Page } from '@playwright/test';

// The network policy of the served app (issue 14): the CSP comes as an HTTP header, so it also binds the worker
// scripts (a <meta> policy does not reach a worker), and COOP + COEP make the page cross-origin isolated.

const OUTSIDE = 'https://outside.test/exfiltrate';

/** A module worker served by the preview server itself (its headers), with `source` as its body. */
async function workerResult(page: Page, path: string, keepCsp: boolean): Promise<string> {
  await page.route(`**${path}`, async (route) => {
    const response = await route.fetch(); // the server's SPA fallback, with the headers it sends for any file
    const headers: Record<string, string> = { ...response.headers(), 'content-type': 'text/javascript' };
    if (!keepCsp) delete headers['content-security-policy'];
    const source = `fetch(${JSON.stringify(OUTSIDE)}).then(() => postMessage('reached'), (e) => postMessage('blocked: ' + e));`;
    await route.fulfill({ status: 200, headers, body: source });
  });
  return page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const worker = new Worker(url, { type: 'module' });
        worker.onmessage = (event) => resolve(String(event.data));
        worker.onerror = (event) => resolve(`worker error: ${event.message}`);
      }),
    path,
  );
}

test('the page and its workers get the CSP as a header, and the page is cross-origin isolated', async ({ page }) => {
  const response = await page.goto('/');
  const headers = response!.headers();
  expect(headers['content-security-policy']).toContain("connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co");
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // The app's own bundled files still load under COEP: the demo model's config.
  expect(await page.evaluate(async () => (await fetch('/models/safetune-demo/config.json')).status)).toBe(200);
});

test('a worker served with the app headers cannot fetch an outside host; without the CSP header it could', async ({ page }) => {
  let outsideHits = 0;
  await page.context().route(`${OUTSIDE}*`, (route) => {
    outsideHits++;
    return route.fulfill({ status: 200, headers: { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' }, body: 'data' });
  });
  await page.goto('/');
  expect(await workerResult(page, '/csp-probe-worker.js', true)).toMatch(/^blocked: TypeError/);
  expect(outsideHits).toBe(0);
  // The control: the same worker without the header reaches the (routed) outside host, so the header is what blocks.
  expect(await workerResult(page, '/no-csp-probe-worker.js', false)).toBe('reached');
  expect(outsideHits).toBe(1);
});
