import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { RunError } from '../../engine/run/run-errors';
import { TrainingRun } from '../../engine/run/training-run';
import { loadTrainState } from '../../engine/train/train-state';
import { tinyRun } from './helpers/tiny-run';

// The engine's TrainingRun on its own (tfjs-cpu, a tiny Llama, memory folders): what a run does when a step diverges,
// when the GPU fails mid-step, and when the LoRA rank cannot fit — the same for the CLI and the worker.

describe('TrainingRun', () => {
  test('a non-finite loss stops the run with a clear error, keeping its last good checkpoint', async () => {
    const t = await tinyRun({ maxSteps: 6, lr: 1e30, schedule: 'constant', maxGradNorm: 0, checkpointEvery: 1 });
    const run = await t.start();
    const error = await run.train().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('diverged');
    expect((error as RunError).message).toMatch(/^training diverged at step (\d) of the plain adapter: loss (NaN|-?Infinity)/);
    const badStep = Number(/at step (\d)/.exec((error as RunError).message)![1]);
    expect(t.record.status).toBe('error');
    expect(t.record.checkpointStep).toBe(badStep - 1);
    expect((error as RunError).hint).toMatch(new RegExp(`checkpoint of step ${badStep - 1} \\(the last good one\\) is kept`));
    const state = await loadTrainState(t.folder.trainStates('plain'));
    expect(state?.position.step).toBe(badStep - 1);
    await run.dispose();
    t.model.dispose();
  });

  test('no checkpoint is written after a step that ran on a failing GPU; the run pauses at the last good one', async () => {
    const gpu: { failure?: Error } = {};
    const t = await tinyRun({ maxSteps: 6, checkpointEvery: 2 }, {}, gpu);
    const before = tf.memory().numTensors;
    const run = await t.start();
    // The device reports its loss while step 4 runs (asynchronously, as a real GPUDevice.lost does): step 4's
    // scheduled checkpoint must not be written.
    t.setOnMetrics((steps) => {
      if (steps.includes(4)) gpu.failure = new Error('GPU device lost (test)');
    });
    await expect(run.train()).rejects.toThrow('GPU device lost (test)');
    expect(t.record).toMatchObject({ status: 'paused', checkpointStep: 2 });
    expect((await loadTrainState(t.folder.trainStates('plain')))?.position.step).toBe(2);
    expect(t.events.filter((e) => e.type === 'runStatus').at(-1)).toMatchObject({ status: 'paused', reason: 'GPU device lost (test); resume continues from step 2' });
    await run.dispose();
    expect(tf.memory().numTensors).toBe(before);
    t.model.dispose();
  });

  test('a run stored before the decision drift was measured resumes with its refusal baseline and a decision baseline measured on the base model', async () => {
    const t = await tinyRun({ maxSteps: 4, checkpointEvery: 1, lr: 3e-2, schedule: 'constant' }, {}, {}, 1);
    await t.trainUntilPaused(2);
    const { probeBaseline, decisionBaseline } = t.record.safety;
    expect(t.record.series.evals.map((e) => e.decisionDrift === undefined)).toEqual([false, false, false]); // steps 0, 1, 2
    // The same run as an earlier build stored it: no decision baseline, no decision points.
    const old = structuredClone(t.record);
    delete old.safety.decisionBaseline;
    old.series.evals = old.series.evals.map(({ decisionLoss: _l, decisionDrift: _d, ...rest }) => rest);
    const resumed = await TrainingRun.resume(t.host, old, t.data);
    expect(await resumed.train()).toBe('done');
    await resumed.dispose();
    expect(old.safety.probeBaseline).toBe(probeBaseline);
    expect(old.safety.decisionBaseline).toBeCloseTo(decisionBaseline!, 5);
    const later = old.series.evals.filter((e) => e.step > 2);
    expect(later.map((e) => e.step)).toEqual([3, 4]);
    for (const e of later) {
      expect(e.decisionDrift).toBeCloseTo(e.decisionLoss! - decisionBaseline!, 5);
      expect(e.drift).toBeCloseTo(e.probeLoss - probeBaseline!, 6);
      expect(Math.abs(e.decisionDrift!)).toBeGreaterThan(1e-4);
    }
    t.model.dispose();
  });

  test('a LoRA rank wider than the narrowest target layer is refused before anything is allocated', async () => {
    const t = await tinyRun({ maxSteps: 2 }, { r: 100000 });
    const before = tf.memory().numTensors;
    await expect(t.start()).rejects.toThrow(/^LoRA rank 100000 is larger than the narrowest target layer \((q|k|v|o)_proj, \d+ wide\) of this LlamaForCausalLM model$/);
    expect(tf.memory().numTensors).toBe(before);
    t.model.dispose();
  });
});
