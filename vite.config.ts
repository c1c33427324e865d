import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { threadedWasmFactory } from './scripts/vite/threaded-wasm-factory.js';

// The app lives in app/ (index.html included); the bundled demo model and datasets in public/. Unit tests do not use
// this file: Vitest reads vitest.config.ts. Ports are fixed (strictPort): a second server fails loudly instead of
// quietly moving to another port. Preview binds the IP literal 127.0.0.1 (a secure context, as WebGPU requires)
// because Node may resolve "localhost" to ::1 while a browser tries 127.0.0.1.
/**
 * The content security policy, sent as an HTTP header on every response — the page and, what a <meta> tag cannot
 * reach, the worker scripts (a dedicated worker takes its policy from its own script's response). The worker holds
 * the dataset, the model and the hub token and runs the model's chat template: it may fetch only this origin and the
 * hub. COOP + COEP make the page cross-origin isolated (SharedArrayBuffer, threaded WASM); hub downloads are CORS
 * requests, which COEP allows. A static host must send these same four headers (README: "Hosting").
 */
const CONNECT_SRC = "'self' https://huggingface.co https://*.huggingface.co https://*.hf.co";
function contentSecurityPolicy(mode: 'dev' | 'build'): string {
  // Dev only: Vite's React plugin injects an inline module preamble for fast refresh.
  const scripts = mode === 'dev' ? "'self' 'unsafe-inline'" : "'self'";
  return [
    "default-src 'self'",
    // 'wasm-unsafe-eval': compiling WebAssembly (the tfjs WASM backend), not JavaScript eval. blob: because tfjs-wasm's
    // pthread workers load their Emscripten glue with importScripts() from a Blob the training worker builds (the
    // workers inherit this policy); only script already running here can create a blob: URL.
    `script-src ${scripts} blob: 'wasm-unsafe-eval'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${CONNECT_SRC}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}

export function securityHeaders(mode: 'dev' | 'build'): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(mode),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./app', import.meta.url)),
  publicDir: '../public',
  plugins: [react(), threadedWasmFactory()],
  build: {
    outDir: '../dist',
    // dist/ sits outside root: Vite only empties it when told to, and a stale bundle would hide a broken build.
    emptyOutDir: true,
  },
  // The trainer runs in a module worker (it imports the engine as ES modules). tfjs-backend-wasm's threaded build runs
  // there, so the worker bundle needs the plugin that keeps its pthread factory's source text self-contained (see
  // scripts/vite/threaded-wasm-factory.ts); a worker bundle does not get the page's plugins.
  worker: { format: 'es', plugins: () => [threadedWasmFactory()] },
  // Dev pre-bundles dependencies (tfjs-backend-wasm among them) outside the plugin pipelines above: the same plugin.
  // Its name in `plugins` is also what makes Vite discard a pre-bundle cache made without it (the cache's hash covers
  // plugin names, not optimizeDeps' plugins).
  optimizeDeps: { rolldownOptions: { plugins: [threadedWasmFactory()] } },
  server: { port: 5173, strictPort: true, headers: securityHeaders('dev') },
  preview: { port: 4173, strictPort: true, host: '127.0.0.1', headers: securityHeaders('build') },
});
