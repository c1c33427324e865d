import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { expect, test, type Download, type Page } from '@playwright/test';
import { dropFiles } from './support/drop-files';
import { PROBE_JSONL, reverseWordsJsonl } from './support/fixtures';
import { readSafetensorsHeader } from './support/safetensors-header';
import { snap } from './support/screens';
import { setNumber, stepOf } from './support/run-fields';

// The whole page on the bundled demo model, in one test because each stage needs the one before: load → drop a
// dataset → configure a tiny SPF run → train ≥ 10 steps → pause / resume → export → chat → reload → resume.
// Kept small (batch 2, short rows, 3 probe pairs) for a software GPU on two cores.

const ROWS = 24;
const TOTAL_STEPS = 40;

test('fine-tunes the demo model with SPF, exports the adapter, chats, and resumes after a reload', async ({ page }, testInfo) => {
  test.setTimeout(330_000);
  const downloads: Download[] = [];
  page.on('download', (d) => downloads.push(d));

  // 1. The demo model loads by itself, from the site, with no network beyond it.
  const offsite: string[] = [];
  page.on('request', (r) => !r.url().startsWith('http://127.0.0.1') && !r.url().startsWith('blob:') && !r.url().startsWith('data:') && offsite.push(r.url()));
  await page.goto('/');
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('model-description')).toContainText('safetune-demo');
  await expect(page.getByTestId('memory-estimate')).toHaveAttribute('data-fits', 'true');
  // SPF is on by default, so the estimate counts its buffers (stacked anchor gradients, subspaces) in a row of their own.
  await expect(page.getByTestId('memory-estimate')).toContainText('SPF: safety gradients');
  await snap(page, testInfo, 'flow-1-model-loaded', page.getByTestId('step-model'));

  // 2. A dataset dropped for real: a DataTransfer with a File, dispatched on the drop zone.
  await dropFiles(page, 'dataset-drop', [{ name: 'reverse-words.jsonl', content: reverseWordsJsonl(ROWS), type: 'application/jsonl' }]);
  const report = page.getByTestId('dataset-report');
  await expect(report).toBeVisible({ timeout: 30_000 });
  await expect(report).toHaveAttribute('data-rows', String(ROWS));
  await expect(report).toHaveAttribute('data-rejected', '0');
  await expect(page.getByTestId('dataset-detected-format')).toHaveAttribute('data-format', 'messages');
  // The preview marks the assistant's answer (and its end token) as trained, and the prompt as not.
  const firstRow = page.getByTestId('dataset-preview').locator('pre').first();
  await expect(firstRow.locator('mark').first()).toContainText(/\w/);
  await expect(firstRow.locator('mark')).not.toContainText(['Reverse the words']);
  await snap(page, testInfo, 'flow-2-dataset', page.getByTestId('step-dataset'));

  // 3. A tiny run: SPF on (the default), the bundled anchor, a 3-pair probe set, drift every 5 steps.
  await expect(page.getByTestId('config-spf')).toBeChecked();
  await page.getByTestId('spf-details').locator('summary').click(); // SPF's internals are folded
  await expect(page.getByTestId('spf-anchors')).toHaveAttribute('data-source', 'default');
  await expect(page.getByTestId('spf-anchors').locator('blockquote')).toContainText('Refusal');
  // The anchor set: the 32 bundled anchors come with k 1 and the decision-token loss; the four restore the defaults.
  const anchorSet = page.getByTestId('config-spf-anchor-set');
  await expect(anchorSet).toHaveValue('bundled');
  await anchorSet.selectOption('wide');
  await expect(page.getByTestId('spf-anchors')).toContainText('Bundled 32-anchor set: 32 pairs');
  await expect(page.getByTestId('config-spf-k')).toHaveValue('1');
  await expect(page.getByTestId('config-spf-anchor-tokens')).toHaveValue('1');
  await anchorSet.selectOption('bundled');
  await expect(page.getByTestId('spf-anchors')).toHaveAttribute('data-source', 'default');
  await expect(page.getByTestId('config-spf-k')).toHaveValue('4');
  await expect(page.getByTestId('config-spf-anchor-tokens')).toHaveValue('all');
  await setNumber(page, 'config-batch-size', 2);
  await setNumber(page, 'config-max-length', 64);
  await page.getByTestId('config-duration-kind').selectOption('steps');
  await setNumber(page, 'config-max-steps', TOTAL_STEPS);
  await setNumber(page, 'config-eval-every', 5);
  await page.getByTestId('config-guard').uncheck(); // a guard pause would race the test's own pauses
  await page.getByTestId('probe-set').locator('input[type=file]').setInputFiles({ name: 'probe.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(PROBE_JSONL) });
  await expect(page.getByTestId('probe-set')).toHaveAttribute('data-source', 'custom');
  await snap(page, testInfo, 'flow-3-configured', page.getByTestId('step-config'));

  // 4. Train at least 10 steps, then pause.
  const status = page.getByTestId('run-status');
  await page.getByTestId('run-start').click();
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await expect.poll(() => stepOf(page), { timeout: 150_000, intervals: [1000] }).toBeGreaterThanOrEqual(10);
  await page.getByTestId('run-pause').click();
  await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 30_000 });
  // Paused: resume is offered; stop is not (the worker has no training stretch to stop).
  await expect(page.getByTestId('run-resume')).toBeEnabled();
  await expect(page.getByTestId('run-stop')).toBeDisabled();
  const pausedAt = await stepOf(page);
  expect(pausedAt).toBeGreaterThanOrEqual(10);
  await expect(page.getByTestId('run-total')).toHaveText(String(TOTAL_STEPS));
  // The charts drew the worker's points: one per step on the loss chart, drift at 0 (before training), 5, 10, ...
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-last-x', String(pausedAt));
  await expect(page.getByTestId('chart-spf')).toHaveAttribute('data-points', String(pausedAt)); // steps 1..N
  expect(Number(await page.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThanOrEqual(pausedAt);
  expect(Number(await page.getByTestId('chart-drift').getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
  await snap(page, testInfo, 'flow-4-paused', page.locator('.cockpit-run'));

  // 5. Resume: the same run continues past where it paused; pause again.
  await page.getByTestId('run-resume').click();
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await expect.poll(() => stepOf(page), { timeout: 60_000, intervals: [500] }).toBeGreaterThan(pausedAt);
  await page.getByTestId('run-pause').click();
  await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 30_000 });
  const step = await stepOf(page);

  // The page's numbers are the worker's: the run record (written by the worker from its own series) agrees with them.
  const recordZip = await downloadZip(page, downloads, 'export-record');
  const record = JSON.parse(Buffer.from([...recordZip.values()][0]!).toString('utf8')) as RunRecordShape;
  expect([...recordZip.keys()]).toEqual([`${record.runId}.json`]);
  const main = record.series.metrics.filter((p) => p.variant === 'spf');
  expect(main.at(-1)?.step).toBe(step);
  expect(main.map((p) => p.step)).toEqual(Array.from({ length: step }, (_, i) => i + 1));
  await expect(page.getByTestId('run-loss')).toHaveText(main.at(-1)!.loss.toPrecision(4));
  expect(new Set(main.map((p) => p.loss)).size).toBeGreaterThan(1); // real, changing losses
  expect(main.every((p) => Number.isFinite(p.spf?.cos) && p.spf!.cos >= -1 && p.spf!.cos <= 1)).toBe(true);
  const drift = record.series.evals.filter((e) => e.variant === 'spf');
  expect(drift.map((e) => e.step)).toEqual(expect.arrayContaining([0, 5, 10]));

  // 6. Export the PEFT adapter: one zip (no multiple-download prompt) holding PEFT's two files and the model card; the
  // safetensors holds lora_A / lora_B for every layer and target.
  const files = await downloadZip(page, downloads, 'export-adapter');
  expect(downloads.at(-1)!.suggestedFilename()).toBe(`${record.runId}-adapter.zip`);
  expect([...files.keys()].sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
  const card = files.get('README.md')!.toString('utf8');
  expect(card).toContain('base_model: "safetune-demo"');
  expect(card).toContain('Safety drift');
  const adapterConfig = JSON.parse(files.get('adapter_config.json')!.toString('utf8')) as Record<string, unknown>;
  expect(adapterConfig).toMatchObject({ peft_type: 'LORA', r: 8, lora_alpha: 16 });
  const tensors = readSafetensorsHeader(files.get('adapter_model.safetensors')!);
  const layers = Number(await page.getByTestId('model-summary').getAttribute('data-layers'));
  const hidden = Number(await page.getByTestId('model-summary').getAttribute('data-hidden'));
  expect(tensors.size).toBe(layers * 7 * 2);
  const q = tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight');
  expect(q?.shape).toEqual([8, hidden]);
  const down = tensors.get(`base_model.model.model.layers.${layers - 1}.mlp.down_proj.lora_B.weight`);
  expect(down?.shape).toEqual([hidden, 8]);
  for (const name of tensors.keys()) expect(name).toMatch(/^base_model\.model\.model\.layers\.\d+\.(self_attn|mlp)\.\w+_proj\.lora_[AB]\.weight$/);
  // The merged model: one zip, a checkpoint in the base model's layout without adapter tensors, with its card.
  const merged = await downloadZip(page, downloads, 'export-merged', 60_000);
  expect([...merged.keys()]).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'README.md']));
  const mergedTensors = readSafetensorsHeader(merged.get('model.safetensors')!);
  expect(mergedTensors.get('model.layers.0.self_attn.q_proj.weight')?.shape).toEqual([hidden, hidden]);
  expect([...mergedTensors.keys()].filter((n) => n.includes('lora'))).toEqual([]);
  await snap(page, testInfo, 'flow-5-exported', page.getByTestId('step-export'));

  // 7. Chat: the same prompt to the base and the tuned model, streamed.
  await page.getByTestId('chat-prompt').fill('Reverse the words: red blue green');
  await page.getByTestId('chat-send').click();
  await expect(page.getByTestId('chat-base')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('chat-tuned')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('chat-tuned')).not.toHaveText('');
  // The refusal check on the run's 3 probe prompts, before (base) and after (tuned).
  await page.getByTestId('refusal-check').click();
  for (const side of ['base', 'tuned']) {
    const result = page.getByTestId(`refusal-${side}`);
    await expect(result).toContainText('of 3 probe prompts', { timeout: 90_000 });
    const rate = Number(await result.getAttribute('data-rate'));
    expect(rate >= 0 && rate <= 1).toBe(true);
  }
  await snap(page, testInfo, 'flow-6-chat', page.getByTestId('step-chat'));

  // 8. Reload: the paused run is offered for resuming, and resuming trains on from its checkpoint.
  await page.reload();
  const banner = page.getByTestId('resume-banner');
  await expect(banner).toBeVisible({ timeout: 60_000 });
  await expect(banner).toHaveAttribute('data-run-id', record.runId);
  await snap(page, testInfo, 'flow-7-resume-offered');
  await page.getByTestId('resume-run').click();
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  await expect.poll(() => stepOf(page), { timeout: 90_000, intervals: [1000] }).toBeGreaterThan(step);
  // The series before the reload came back with the resumed run.
  await expect.poll(async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThan(step);
  await page.getByTestId('run-stop').click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 });
  await snap(page, testInfo, 'flow-8-resumed-and-stopped', page.locator('.cockpit-run'));

  expect(offsite).toEqual([]);
});

interface RunRecordShape {
  runId: string;
  series: {
    metrics: { variant: string; step: number; loss: number; spf?: { cos: number } }[];
    evals: { variant: string; step: number; drift: number }[];
  };
}

/** Clicks an export button; the export is one zip download: returns the files in it. */
async function downloadZip(page: Page, downloads: Download[], testId: string, timeout = 30_000): Promise<Map<string, Buffer>> {
  const before = downloads.length;
  await page.getByTestId(testId).click();
  await expect.poll(() => downloads.length, { timeout }).toBe(before + 1);
  const zip = downloads[before]!;
  expect(zip.suggestedFilename()).toMatch(/\.zip$/);
  const entries = unzipSync(new Uint8Array(readFileSync((await zip.path())!)));
  return new Map(Object.entries(entries).map(([name, bytes]) => [name, Buffer.from(bytes)]));
}
