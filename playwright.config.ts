import { defineConfig } from '@playwright/test';

// End-to-end tests run the built app (vite build + vite preview) in Debian's Chromium with WebGPU on a software GPU.
// No Playwright browser download: never run `npx playwright install`. See /work/shared/design/WEBGPU-HERE.md.

const PORT = 4173;
const BASE_URL = `http://127.0.0.1:${PORT}`; // loopback: a secure context, which WebGPU requires

const CHROMIUM = process.env['SAFETUNE_CHROMIUM'] ?? '/usr/bin/chromium';

// Without --enable-unsafe-webgpu, requestAdapter() returns null on Linux for SwiftShader (the llvmpipe args below get
// an adapter without it, through --ignore-gpu-blocklist, but we keep one set of base args). The others keep a test
// browser from phoning home or waiting on first-run UI.
const BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  // Chrome blanks adapter.info (vendor, architecture, description) unless this is on; with it the adapter names
  // itself, which the capability test checks and which makes failures readable.
  '--enable-webgpu-developer-features',
];

// Which software adapter backs WebGPU. Both pass the capability test here (2-core Debian 12, Chromium 156, Mesa 25);
// measured with a naive 512x512x512 f32 matmul in the page:
//   llvmpipe     ANGLE GLES on Mesa llvmpipe, compatibility feature level, ~1.3-1.6 GFLOP/s, no shader-f16, no
//                subgroups, maxStorageBufferBindingSize 128 MiB, works in dedicated workers.
//   swiftshader  Chromium's bundled SwiftShader Vulkan, core feature level with subgroups, no shader-f16, 1 GiB
//                bindings, ~0.3 GFLOP/s (4-5x slower), works in dedicated workers.
// Default: llvmpipe, because training tests are compute bound on two cores. Set SAFETUNE_E2E_ADAPTER=swiftshader to
// exercise core-only paths (subgroups, bigger bindings).
const ADAPTER_ARGS = {
  llvmpipe: ['--use-angle=vulkan', '--use-webgpu-adapter=opengles', '--ignore-gpu-blocklist', '--force-webgpu-compat'],
  swiftshader: [],
} as const;

function adapterArgs(): readonly string[] {
  const choice = process.env['SAFETUNE_E2E_ADAPTER'] ?? 'llvmpipe';
  if (choice !== 'llvmpipe' && choice !== 'swiftshader') {
    throw new Error(`SAFETUNE_E2E_ADAPTER must be 'llvmpipe' or 'swiftshader', not '${choice}'`);
  }
  return ADAPTER_ARGS[choice];
}

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  outputDir: './test-results',
  // One browser at a time: the software GPU already uses both cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env['CI']),
  retries: 0,
  timeout: 60_000,
  // scripts/run-tests.mjs adds a JSON reporter on the command line; this is what a plain `npx playwright test` shows.
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [...BASE_ARGS, ...adapterArgs()],
    },
  },
  webServer: {
    // The built bundle, not the dev server: it is what users get, and it starts without on-the-fly transforms.
    // Port and host are given here so this file alone decides where the tests knock.
    command: `node_modules/.bin/vite build && node_modules/.bin/vite preview --port ${PORT} --strictPort --host 127.0.0.1`,
    // A test build: the worker gets its test hooks (workers/test-hooks.ts: e2e/device-loss.spec.ts destroys the GPU
    // device through them). A production build (`npm run build`) leaves this unset and has no hook.
    env: { VITE_SAFETUNE_TEST_HOOKS: '1' },
    url: BASE_URL,
    timeout: 120_000,
    // Never reuse a server someone left running: it might serve an old build.
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
