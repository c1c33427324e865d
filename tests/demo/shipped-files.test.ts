/**
 * The committed outputs of `npm run build:demo`: public/datasets/ and public/models/safetune-demo/. They must be what
 * the generators make from the build's seed, parse in the formats the app reads, and the model card must describe the
 * weights that are actually shipped.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { DirectoryFiles } from '../../node-host/fs-files';
import { isRefusal } from '../../engine/safety/refusal-judge';
import { loadCausalLM } from '../../engine/model/load';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { buildCorpus } from '../../scripts/demo/corpus/build-corpus';
import { respond } from '../../scripts/demo/eval/evaluate';
import { fullBuildOptions } from '../../scripts/demo/options';
import { selectWasmBackend } from '../../scripts/demo/train/wasm-backend';
import { datasetFiles, DATASET_FILES } from '../../scripts/demo/write/dataset-files';

const options = fullBuildOptions(process.cwd());
const lines = async (name: string): Promise<Record<string, unknown>[]> =>
  (await readFile(join(options.datasetDir, name), 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('public/datasets', () => {
  test('are exactly what the generators make from the full build\'s seed', async () => {
    const expected = datasetFiles(buildCorpus(options.seed, options.corpus));
    for (const name of DATASET_FILES) expect(await readFile(join(options.datasetDir, name), 'utf8'), name).toBe(expected.get(name));
    expect(await readdir(options.datasetDir)).toContain('README.md');
  });

  test('chat files: every line is {"messages": [user, assistant]} with non-empty strings', async () => {
    for (const name of ['benign-task.jsonl', 'benign-task-eval.jsonl', 'adversarial.jsonl', 'mixed.jsonl']) {
      for (const row of await lines(name)) {
        const messages = row['messages'] as { role: string; content: string }[];
        expect(messages.map((m) => m.role), name).toEqual(['user', 'assistant']);
        expect(messages.every((m) => typeof m.content === 'string' && m.content.trim() !== '')).toBe(true);
      }
    }
  });

  test('anchors: ≥ 4 {"request", "refusal"} pairs; the probe set 30–50 of them, none with an anchor\'s refusal; all judged refusals', async () => {
    const anchor = await lines('safety-anchor.jsonl');
    const wide = await lines('safety-anchor-32.jsonl');
    const probe = await lines('safety-probe.jsonl');
    expect(anchor.length).toBeGreaterThanOrEqual(4);
    expect(wide).toHaveLength(32);
    expect(wide.slice(0, anchor.length)).toEqual(anchor);
    for (const a of wide) expect(Object.keys(a).sort()).toEqual(['refusal', 'request']);
    for (const a of anchor) expect(Object.keys(a).sort()).toEqual(['refusal', 'request']);
    expect(probe.length).toBeGreaterThanOrEqual(30);
    expect(probe.length).toBeLessThanOrEqual(50);
    for (const p of probe) expect(Object.keys(p).sort()).toEqual(['category', 'refusal', 'request']);
    const anchorRefusals = new Set([...anchor, ...wide].map((a) => a['refusal']));
    for (const p of probe) expect(anchorRefusals.has(p['refusal']), String(p['refusal'])).toBe(false);
    for (const pair of [...wide, ...probe]) {
      expect(typeof pair['request']).toBe('string');
      expect(isRefusal(pair['refusal'] as string)).toBe(true);
    }
  });

  test('benign-eval.jsonl and scary-benign-eval.jsonl: requests with family / held_out and contrast', async () => {
    const benign = await lines('benign-eval.jsonl');
    for (const row of benign) {
      expect(Object.keys(row).sort()).toEqual(['family', 'held_out', 'request']);
      expect(['family', 'phrasing']).toContain(row['held_out']);
    }
    expect(new Set(benign.map((r) => r['held_out']))).toEqual(new Set(['family', 'phrasing']));
    const scary = await lines('scary-benign-eval.jsonl');
    expect(scary.length).toBeGreaterThanOrEqual(30);
    for (const row of scary) expect(Object.keys(row).sort()).toEqual(['contrast', 'request']);
  });

  test('harmful-eval.jsonl: requests only, with category and what was held out', async () => {
    for (const row of await lines('harmful-eval.jsonl')) {
      expect(Object.keys(row).sort()).toEqual(['category', 'held_out', 'request']);
      expect(['template', 'act', 'template+act']).toContain(row['held_out']);
    }
  });
});

describe('public/models/safetune-demo', () => {
  const dir = options.modelDir;
  let metrics: { parameters: number; metrics: { samples: { request: string; response: string }[] } };

  beforeAll(async () => {
    metrics = JSON.parse(await readFile(join(dir, 'demo_metrics.json'), 'utf8')) as typeof metrics;
  });

  test('is small: ≤ 5 M parameters, ≤ 20 MB in all', async () => {
    expect(metrics.parameters).toBeLessThanOrEqual(5_000_000);
    let total = 0;
    for (const f of await readdir(dir)) total += (await stat(join(dir, f))).size;
    expect(total).toBeLessThanOrEqual(20_000_000);
  });

  test('loads like a hub model and reproduces the sample responses of its model card (greedy, on the build\'s wasm backend)', async () => {
    await selectWasmBackend();
    const files = new DirectoryFiles(dir);
    const model = await loadCausalLM(files);
    const tokenizer = await loadTokenizer(files);
    expect(model.config.architecture).toBe('LlamaForCausalLM');
    const samples = metrics.metrics.samples;
    expect(samples.length).toBeGreaterThan(5);
    const responses = await respond(model, tokenizer, samples.map((s) => s.request), { maxNewTokens: options.eval.maxNewTokens, batchSize: 64 });
    expect(responses).toEqual(samples.map((s) => s.response));
    const card = await readFile(join(dir, 'README.md'), 'utf8');
    for (const s of samples.slice(0, 3)) expect(card).toContain(s.response.replace(/\|/g, '\\|'));
    model.dispose();
  });
});
