import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it, test } from 'vitest';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import type { TokenizedExample } from '../../engine/data/types';
import { setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';

// The gradient-accumulation loop reads its running loss back whenever it has queued more than a budget of ops since
// the last read-back (ReadbackPacer): at a real model's size one micro-batch is thousands of dispatches, and a long
// synchronous stretch of them exhausts the WebGPU host's per-dispatch resources (see mean-loss-yields.test.ts).

function rows(n: number, length: number): TokenizedExample[] {
  return Array.from({ length: n }, (_, i) => {
    const ids = Array.from({ length }, (_, t) => (i * 5 + t * 3) % 60);
    return { ids, labels: ids.map((id, t) => (t < 2 ? -100 : id)), truncated: false, source: { file: 'train.jsonl', line: i + 1 } };
  });
}

const mappings = (): number => readFileSync('/proc/self/maps', 'utf8').split('\n').length;

async function oneStep(opsBetweenReadbacks: number, gradAccum: number): Promise<{ loss: number; readbacks: number; tensorsLeft: number }> {
  const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
  const trainer = new Trainer(model, rows(gradAccum, 12), [], resolveTrainOptions({ maxSteps: 2, batchSize: 1, gradAccum, lr: 1e-3 }), 0);
  trainer.opsBetweenReadbacks = opsBetweenReadbacks;
  await trainer.trainStep();
  const before = tf.memory().numTensors;
  const { loss } = await trainer.trainStep();
  const result = { loss, readbacks: trainer.lastStepPacedReadbacks, tensorsLeft: tf.memory().numTensors - before };
  trainer.dispose();
  model.dispose();
  return result;
}

describe('gradient accumulation paces its read-backs', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  test('a budget of one op reads back after every micro-batch but the last; the numbers do not change (cpu)', async () => {
    await setBackend('cpu');
    const paced = await oneStep(1, 6);
    const unpaced = await oneStep(Number.POSITIVE_INFINITY, 6);
    expect(paced.readbacks).toBe(5);
    expect(unpaced.readbacks).toBe(0);
    expect(paced.loss).toBe(unpaced.loss);
    expect(paced.tensorsLeft).toBe(0);
  });

  test('the default budget lets a small model run several micro-batches per read-back (cpu)', async () => {
    await setBackend('cpu');
    const r = await oneStep(3000, 24);
    expect(r.readbacks).toBeGreaterThan(0);
    expect(r.readbacks).toBeLessThan(23);
  });

  it.runIf(process.platform === 'linux')('on Dawn, 80 micro-batches in one step do not pile up memory mappings', async () => {
    await setBackend('webgpu');
    await oneStep(3000, 2); // pipelines compiled, pools warm
    const start = mappings();
    const r = await oneStep(3000, 80);
    const grown = mappings() - start;
    expect(Number.isFinite(r.loss)).toBe(true);
    // Unpaced, this grew by about one mapping per dispatch (over 10,000 here).
    expect(grown).toBeLessThan(5000);
  }, 180_000);
});
