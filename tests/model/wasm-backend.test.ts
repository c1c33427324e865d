import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { DirectoryFiles } from '../../node-host/fs-files';
import { loadCausalLM } from '../../engine/model/load';
import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import type { TokenizedExample } from '../../engine/data/types';
import { mulberry32 } from '../../engine/util/random';
import type { BackendName } from '../../engine/backend';

/** 16 sequences of 32 tokens from the demo vocabulary, the second half labelled (a prompt → completion shape). */
function sequences(vocab: number): TokenizedExample[] {
  const rand = mulberry32(4);
  return Array.from({ length: 16 }, (_, i) => {
    const ids = Array.from({ length: 32 }, () => Math.floor(rand() * (vocab - 3)));
    return { ids, labels: ids.map((id, t) => (t < 16 ? -100 : id)), truncated: false, source: { file: 'synthetic', line: i + 1 } };
  });
}

/** Three LoRA steps (batch 8, 256 tokens) of the bundled demo model on `backend`: the losses and the later steps' time. */
async function demoSteps(backend: BackendName): Promise<{ losses: number[]; msPerStep: number }> {
  await setBackend(backend);
  const before = tf.memory().numTensors;
  const model = await loadCausalLM(new DirectoryFiles('public/models/safetune-demo'), {
    adapter: { kind: 'init', config: { ...DEFAULT_LORA_CONFIG }, seed: 2 },
  });
  const trainer = new Trainer(model, sequences(model.config.vocabSize), [], resolveTrainOptions({ lr: 5e-3, maxSteps: 3, batchSize: 8, schedule: 'constant' }), 0);
  const losses = [(await trainer.trainStep()).loss]; // the first step also compiles / warms up
  const start = performance.now();
  while (!trainer.done) losses.push((await trainer.trainStep()).loss);
  const msPerStep = (performance.now() - start) / (losses.length - 1);
  trainer.dispose();
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return { losses, msPerStep };
}

test('LoRA training on wasm gives tfjs-cpu\'s losses on the demo model (gather gradients included)', async () => {
  const cpu = await demoSteps('cpu');
  const wasm = await demoSteps('wasm');
  expect(wasm.losses).toHaveLength(3);
  for (let i = 0; i < 3; i++) expect(Math.abs(wasm.losses[i]! - cpu.losses[i]!)).toBeLessThanOrEqual(1e-2);
  expect(wasm.losses[2]).not.toBe(wasm.losses[0]); // the steps did update the adapter
  console.log(`demo-model LoRA step (batch 8 × 32): cpu ${cpu.msPerStep.toFixed(0)} ms, wasm ${wasm.msPerStep.toFixed(0)} ms, ratio ${(cpu.msPerStep / wasm.msPerStep).toFixed(2)}; losses cpu ${cpu.losses.map((l) => l.toFixed(5)).join(' ')} wasm ${wasm.losses.map((l) => l.toFixed(5)).join(' ')}`);
});
