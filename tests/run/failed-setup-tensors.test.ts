import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { RunVariant } from '../../engine/run/run-variant';
import { TrainingRun } from '../../engine/run/training-run';
import { loadTrainState } from '../../engine/train/train-state';
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

  test('SPF without anchors (refused after the trainer and its optimizer moments exist)', async () => {
    const t = await tinyRun({ maxSteps: 2 });
    t.record.config.spf.enabled = true; // tinyRun's safety set has no anchors
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) await expect(t.start()).rejects.toThrow('SPF needs at least one safety anchor');
    expect(tf.memory().numTensors).toBe(before);
    t.model.dispose();
  });

  test('a checkpoint whose optimizer moments do not fit the adapter', async () => {
    const t = await tinyRun({ maxSteps: 4, checkpointEvery: 1 });
    await t.trainUntilPaused(2);
    const store = t.folder.trainStates('plain');
    const state = (await loadTrainState(store))!;
    state.optimizer.m[0] = state.optimizer.m[0]!.slice(1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) await expect(RunVariant.restore('plain', t.host.access, t.data, t.record.config, store, state)).rejects.toThrow(/moment entries/);
    expect(tf.memory().numTensors).toBe(before);
    t.model.dispose();
  });
});
