import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Route } from '@playwright/test';
import { snap } from './support/screens';

// Hugging Face models, with the hub played by the test: requests to huggingface.co (from the page and from the worker)
// are answered from a local folder, so the download path runs for real without the network.

const REPO = 'safetune-e2e/tiny-qwen3';
let modelDir: string;

test.beforeAll(() => {
  modelDir = mkdtempSync(join(tmpdir(), 'safetune-e2e-hub-'));
  execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'cli/main.ts', 'make-tiny', '--arch', 'qwen3', '--out', modelDir], { stdio: 'pipe' });
});

test.afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

/** Serves `${REPO}` from the tiny model folder; other repos get a config.json from `configs`, else 404. */
function hub(configs: Record<string, object>, hold?: Promise<void>) {
  const seen: string[] = [];
  const handler = async (route: Route) => {
    const url = new URL(route.request().url());
    const match = /^\/(.+?\/.+?)\/resolve\/[^/]+\/(.+)$/.exec(url.pathname);
    const [repo, file] = match === null ? [undefined, undefined] : [match[1], match[2]];
    seen.push(`${route.request().method()} ${repo}/${file}`);
    const headers = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'content-length, etag', etag: `"${file}"` };
    if (repo === REPO && file !== undefined && readdirSync(modelDir).includes(file)) {
      if (file === 'model.safetensors' && route.request().method() === 'GET') await hold;
      const body = readFileSync(join(modelDir, file));
      return route.fulfill({ status: 200, body, headers: { ...headers, 'content-length': String(body.length) } });
    }
    const config = repo === undefined ? undefined : configs[repo];
    if (config !== undefined && file === 'config.json') return route.fulfill({ status: 200, body: JSON.stringify(config), headers });
    return route.fulfill({ status: 404, body: 'Entry not found', headers });
  };
  return { handler, seen };
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  // The engine is up and the demo model's load has settled (these tests do not need it).
  await expect(page.getByTestId('engine-backend')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('step-model')).not.toHaveAttribute('data-state', /^(empty|loading)$/, { timeout: 90_000 });
  await page.getByTestId('model-tab-hub').click();
});

test('estimates the memory of a hub model before downloading it, with advice when it will not fit', async ({ page }, testInfo) => {
  // TinyLlama-1.1B's published config: 4.4 GB of float32 weights alone, more than the budget the page assumes.
  const tinyLlama = {
    architectures: ['LlamaForCausalLM'],
    hidden_size: 2048,
    intermediate_size: 5632,
    num_attention_heads: 32,
    num_hidden_layers: 22,
    num_key_value_heads: 4,
    vocab_size: 32000,
    tie_word_embeddings: false,
  };
  const { handler, seen } = hub({ 'TinyLlama/TinyLlama-1.1B-Chat-v1.0': tinyLlama });
  await page.context().route('https://huggingface.co/**', handler);
  await page.getByTestId('hub-model-id').fill('TinyLlama/TinyLlama-1.1B-Chat-v1.0');
  await page.getByRole('button', { name: 'Estimate memory' }).click();
  const estimate = page.getByTestId('memory-estimate');
  await expect(estimate).toContainText('1.1 B parameters');
  await expect(estimate).toHaveAttribute('data-fits', 'false');
  const advice = page.getByTestId('memory-advice');
  await expect(advice).toContainText('needed, more than');
  await expect(advice).toContainText('To make room:'); // what to lower: batch or length when activations dominate, else the model
  expect(seen).toEqual(['GET TinyLlama/TinyLlama-1.1B-Chat-v1.0/config.json']); // only the config: nothing downloaded
  await snap(page, testInfo, 'hub-1-estimate', page.getByTestId('step-model'));
});

test('downloads a hub model with byte counts and loads it', async ({ page }, testInfo) => {
  let release: () => void = () => undefined;
  const hold = new Promise<void>((resolve) => (release = resolve));
  const { handler, seen } = hub({}, hold);
  await page.context().route('https://huggingface.co/**', handler);
  await page.getByTestId('hub-model-id').fill(REPO);
  await page.getByTestId('hub-load').click();

  // While the weights are held back, the page shows what has arrived, file by file.
  const progress = page.getByTestId('model-progress');
  await expect(progress).toContainText('tokenizer.json', { timeout: 30_000 });
  await expect(progress).toContainText(/of \d/);
  // The step names the model being downloaded, not the demo model still loaded beside it.
  await expect(page.getByTestId('step-model').locator('.step-status')).toHaveText(`loading hub ${REPO}…`);
  await snap(page, testInfo, 'hub-2-downloading', page.getByTestId('step-model'));
  release();

  await expect(page.getByTestId('model-description')).toHaveText(`hub ${REPO}`, { timeout: 60_000 });
  await expect(page.getByTestId('model-summary')).toHaveAttribute('data-architecture', 'Qwen3ForCausalLM');
  await expect(progress).toHaveCount(0);
  expect(seen).toContain(`GET ${REPO}/model.safetensors`);
  await snap(page, testInfo, 'hub-3-loaded', page.getByTestId('step-model'));
});
