import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { TrainingRun } from '../../engine/run/training-run';
import { tinyRun } from '../train/helpers/tiny-run';

// A run that fails while its adapters are being set up must release what it had allocated: a user who starts (or
// resumes) a run that is refused, fixes the input and tries again, must not leave GPU memory behind on each try.
// tfjs-cpu, a tiny Llama (2 layers × 7 LoRA targets: 28 adapter tensors).

describe('a run refused while its adapters are set up leaves no tensor', () => {
  test('an empty training set (the trainer refuses it after the fresh adapter exists)', async () => {
    const t = await tinyRun({ maxSteps: 2 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) await expect(TrainingRun.start(t.host, t.record, { ...t.data, train: [] }, new Uint8Array(1))).rejects.toThrow('the training set is empty');
    expect(tf.memory().numTensors).toBe(before);
    t.model.dispose();
  });
});
