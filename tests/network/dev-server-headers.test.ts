import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';

// Issue 14: the network policy must hold where the fetches run, the worker. A <meta> CSP does not reach a worker;
// only the header on the worker script's own response does. e2e/network-policy.spec.ts checks the preview server (the
// built app); this checks `npm run dev`'s server sends the same policy on the page and on the worker module.

const CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('../../workers/trainer.worker.ts', import.meta.url));

let server: ViteDevServer;
let base: string;
beforeAll(async () => {
  // The project's own config, on a free port (another dev server may hold 5173).
  server = await createServer({ configFile: CONFIG, server: { port: 0, strictPort: false, host: '127.0.0.1' }, logLevel: 'silent' });
  await server.listen();
  const address = server.httpServer!.address();
  if (address === null || typeof address === 'string') throw new Error('the dev server has no TCP address');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await server?.close();
});

for (const [what, path] of [
  ['the page', '/'],
  ['the worker module', `/@fs${WORKER}?worker_file&type=module`],
] as const) {
  test(`the dev server sends the CSP, COOP, COEP and CORP headers on ${what}`, async () => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co");
    expect(csp).toContain("default-src 'self'");
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
}
