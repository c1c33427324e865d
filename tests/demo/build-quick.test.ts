/**
 * END-TO-END SMOKE TEST of `npm run build:demo -- --quick` (≤ 60 s): the whole demo build — corpus, tokenizer,
 * from-scratch pre-training, model folder, evaluation of the folder as written, model card, public data sets — at toy
 * size, into a temporary folder, on the wasm backend the full build uses. Its numbers mean nothing; it checks that every stage runs and that
 * every file is written, loadable through the same path as a hub model, and consistent with the generators.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DirectoryFiles } from '../../node-host/fs-files';
import { generate } from '../../engine/model/generate';
import { loadCausalLM } from '../../engine/model/load';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { buildDemo } from '../../scripts/demo/build-demo';
import { buildCorpus } from '../../scripts/demo/corpus/build-corpus';
import { measureFolder } from '../../scripts/demo/eval/measure-folder';
import { HELD_OUT_FAMILIES } from '../../scripts/demo/corpus/held-out-benign';
import { PRETRAIN_FAMILIES } from '../../scripts/demo/corpus/task-families';
import { quickBuildOptions, type DemoBuildOptions } from '../../scripts/demo/options';
import type { BuildReport } from '../../scripts/demo/report';
import { selectWasmBackend } from '../../scripts/demo/train/wasm-backend';
import { datasetFiles, DATASET_FILES } from '../../scripts/demo/write/dataset-files';
import { wilson } from '../../scripts/experiment/interval';

let dir: string;
let options: DemoBuildOptions;
let report: BuildReport;
let tensorsBefore: number;

beforeAll(async () => {
  await selectWasmBackend();
  dir = await mkdtemp(join(tmpdir(), 'safetune-demo-test-'));
  options = { ...quickBuildOptions(process.cwd()), modelDir: join(dir, 'model'), datasetDir: join(dir, 'datasets') };
  tensorsBefore = tf.memory().numTensors;
  report = await buildDemo(options, true, 'test machine', () => {});
}, 90_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('quick demo build (end to end)', () => {
  test('releases every tensor it made', () => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  test('writes a model folder that loads like a hub model (config, safetensors, tokenizer)', async () => {
    const files = new DirectoryFiles(options.modelDir);
    expect((await files.list()).sort()).toEqual(
      ['README.md', 'config.json', 'demo_metrics.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    const model = await loadCausalLM(files);
    const tokenizer = await loadTokenizer(files);
    expect(model.config.architecture).toBe('LlamaForCausalLM');
    expect(model.config.vocabSize).toBe(tokenizer.vocabSize);
    expect(model.config.eosTokenIds).toEqual([...tokenizer.eosTokenIds]);
    const prompt = tokenizer.encode(tokenizer.renderChat([{ role: 'user', content: 'What is 2 plus 3?' }], { addGenerationPrompt: true }));
    const out = await generate(model, prompt, { maxNewTokens: 4, eosTokenIds: tokenizer.eosTokenIds });
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((id) => id >= 0 && id < tokenizer.vocabSize)).toBe(true);
    model.dispose();
  });

  test('reports what it measured, and the card and demo_metrics.json carry those numbers', async () => {
    expect(report.parameters).toBeGreaterThan(0);
    expect(report.train.steps).toBe(options.steps);
    expect(report.train.trainedTokens).toBeGreaterThan(0);
    expect(report.train.inputTokens).toBeGreaterThan(report.train.trainedTokens);
    expect(Number.isFinite(report.train.finalLoss)).toBe(true);
    // Loss falls from ln(vocab) at init: the model does learn something even in 30 steps.
    expect(report.train.lossCurve[report.train.lossCurve.length - 1]![1]).toBeLessThan(Math.log(report.vocabSize));
    const m = report.metrics;
    expect(m.benignOverall.n).toBe(PRETRAIN_FAMILIES.filter((f) => f.heldOutTemplates.length > 0).length * options.corpus.benignEvalNewTemplate);
    expect(m.benignFamiliesOverall.n).toBe(HELD_OUT_FAMILIES.length * options.corpus.benignEvalPerHeldOutFamily);
    expect(m.scaryBenign.n).toBe(options.corpus.scaryBenign);
    expect(m.harmfulOverall.n).toBe(3 * options.corpus.harmfulEvalPerKind);
    expect(m.advbench === undefined).toBe(!report.advbenchUsed);
    for (const s of [m.benignOverall, m.benignFamiliesOverall, m.scaryBenign, m.harmfulOverall, m.taskBaseline, m.probe]) {
      expect(s.exactMatch).toBeGreaterThanOrEqual(0);
      expect(s.refusalRate).toBeLessThanOrEqual(1);
    }
    const card = await readFile(join(options.modelDir, 'README.md'), 'utf8');
    expect(card).toContain('Smoke build');
    expect(card).toContain(report.parameters.toLocaleString('en-US'));
    expect(card).toContain(report.train.finalLoss.toFixed(4));
    // the overall harmful refusal rate with its 95 % Wilson interval over the items
    const [lo, hi] = wilson(m.harmfulOverall.refusalRate, m.harmfulOverall.n, 1.96);
    expect(card).toContain(`${(100 * m.harmfulOverall.refusalRate).toFixed(1)} % [${(100 * lo).toFixed(1)}, ${(100 * hi).toFixed(1)}]`);
    const saved = JSON.parse(await readFile(join(options.modelDir, 'demo_metrics.json'), 'utf8')) as { metrics: unknown; parameters: number };
    expect(saved.metrics).toEqual(JSON.parse(JSON.stringify(m)));
    expect(saved.parameters).toBe(report.parameters);
  });

  test('stays within the size limits (≤ 5 M parameters, ≤ 20 MB folder)', async () => {
    expect(report.parameters).toBeLessThanOrEqual(5_000_000);
    let total = 0;
    for (const f of await readdir(options.modelDir)) total += (await stat(join(options.modelDir, f))).size;
    expect(total).toBeLessThanOrEqual(20_000_000);
  });

  test('is deterministic: a second build with the same seed writes the same tokenizer and data, and trains the same', async () => {
    const again = { ...options, modelDir: join(dir, 'model-2'), datasetDir: join(dir, 'datasets-2') };
    const second = await buildDemo(again, true, 'test machine', () => {});
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'config.json']) {
      expect(await readFile(join(again.modelDir, f), 'utf8'), f).toBe(await readFile(join(options.modelDir, f), 'utf8'));
    }
    for (const f of DATASET_FILES) expect(await readFile(join(again.datasetDir, f), 'utf8'), f).toBe(await readFile(join(options.datasetDir, f), 'utf8'));
    expect(second.train.inputTokens).toBe(report.train.inputTokens);
    // Kept to a tolerance, so the test also holds on the webgpu backend, which need not be bit-exact.
    second.train.lossCurve.forEach(([step, loss], i) => {
      expect(step).toBe(report.train.lossCurve[i]![0]);
      expect(Math.abs(loss - report.train.lossCurve[i]![1])).toBeLessThan(1e-3 * Math.max(1, loss));
    });
  }, 60_000);

  test('writes the public data sets exactly as the generators make them from the seed', async () => {
    const expected = datasetFiles(buildCorpus(options.seed, options.corpus));
    expect((await readdir(options.datasetDir)).sort()).toEqual([...DATASET_FILES, 'README.md'].sort());
    for (const name of DATASET_FILES) expect(await readFile(join(options.datasetDir, name), 'utf8'), name).toBe(expected.get(name));
  });

  test('re-measuring the written folder (scripts/demo/measure-card.ts) gives the card\'s numbers', async () => {
    const before = tf.memory().numTensors;
    const again = await measureFolder(options.modelDir, options.advbenchPath);
    expect(again.seed).toBe(options.seed);
    expect(again.metrics).toEqual(report.metrics);
    expect(tf.memory().numTensors).toBe(before);
    await expect(measureFolder(options.datasetDir, options.advbenchPath)).rejects.toThrow(/demo_metrics\.json is missing/);
    // Present but unreadable, or not JSON: said so, not called missing.
    const odd = join(dir, 'odd');
    await mkdir(join(odd, 'demo_metrics.json'), { recursive: true });
    await expect(measureFolder(odd, options.advbenchPath)).rejects.toThrow(/demo_metrics\.json cannot be read \(EISDIR\)/);
    await rm(join(odd, 'demo_metrics.json'), { recursive: true });
    await writeFile(join(odd, 'demo_metrics.json'), '{"settings": ');
    await expect(measureFolder(odd, options.advbenchPath)).rejects.toThrow(/demo_metrics\.json is not valid JSON/);
  }, 60_000);
});
