import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';
import { anchorGroupGradients } from '../../engine/safety/anchor-gradients';
import { AnchorSlots } from '../../engine/safety/anchor-slots';
import { foldedStepGradients } from '../../engine/safety/folded-step';
import { SafetyProjector, SPF_METRICS, type AnchorFolding } from '../../engine/safety/safety-projector';
import { resolveSpfOptions } from '../../engine/safety/spf-options';
import { nllSum } from '../../engine/model/loss';
import { toBatch } from '../../engine/train/batcher';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import type { TokenizedExample } from '../../engine/data/types';
import type { BackendName } from '../../engine/backend';
import { isSoftwareAdapterInUse, setSoftwareAdapterInUse } from '../../engine/device/adapter-kind';

/** Toy rows over the tiny model's 64-token vocabulary: `promptLen` unlabelled tokens, then `answerLen` labelled ones. */
function rows(n: number, promptLen: number, answerLen: number, salt: number, file: string): TokenizedExample[] {
  return Array.from({ length: n }, (_, i) => {
    const prompt = Array.from({ length: promptLen }, (_, t) => 1 + ((i * 7 + t * 3 + salt) % 60));
    const answer = Array.from({ length: answerLen - (i % 2) }, (_, t) => 2 + ((i * 5 + t * 11 + salt) % 61));
    return { ids: [...prompt, ...answer], labels: [...prompt.map(() => -100), ...answer], truncated: false, source: { file, line: i + 1 } };
  });
}

const data = (model: Awaited<ReturnType<typeof tinyModel>>) => model.adapter!.variables();

async function values(ts: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  const scale = Math.max(...expected.map(Math.abs));
  expect(scale, `${what} is not trivially zero`).toBeGreaterThan(0);
  let worst = 0;
  expected.forEach((x, j) => (worst = Math.max(worst, Math.abs(actual[j]! - x))));
  expect(worst / scale, what).toBeLessThan(2e-4);
}

describe("SPF's anchors folded into the step's first micro-batch", () => {
  test.each([
    // [backend, anchors, anchors per group, training batch rows, training prompt length]: the anchors shorter and
    // longer than the training rows; one group, groups of one size (the kernel's blocks), groups of two sizes (a mask).
    ['cpu', 1, 1, 3, 9],
    ['cpu', 4, 1, 2, 3],
    ['cpu', 6, 2, 3, 6],
    ['cpu', 5, 2, 3, 6],
    ['webgpu', 1, 1, 3, 9],
    ['webgpu', 4, 1, 2, 3],
    ['webgpu', 6, 3, 3, 9],
    ['webgpu', 5, 2, 2, 3],
  ] as [BackendName, number, number, number, number][])('on %s, %i anchors in groups of %i beside %i training rows (prompt %i): the two separate passes\' losses and gradients', async (backend, n, perGroup, batchRows, promptLen) => {
    await setBackend(backend);
    const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
    const vars = data(model);
    // B starts at zero, so lora_A's gradients would be zero: give every adapter matrix values first.
    vars.forEach((v, i) => v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 21 + i)));
    const train = rows(batchRows, promptLen, 4, 3, 'train');
    const batch = toBatch(train, Math.max(...train.map((e) => e.ids.length)), 0);
    const anchors = rows(n, 4, 4, 17, 'anchors');
    const groups: TokenizedExample[][] = [];
    for (let i = 0; i < n; i += perGroup) groups.push(anchors.slice(i, i + perGroup));
    const denom = 13;

    const plain = tf.variableGrads(() => tf.div(nllSum(model, batch).sum, denom) as tf.Scalar, vars);
    const wantValue = (await plain.value.data())[0]!;
    const wantGrads = await values(vars.map((v) => plain.grads[v.name]!));
    tf.dispose([plain.value, ...Object.values(plain.grads)]);
    const separate = await anchorGroupGradients(model, groups, 0, async () => undefined);
    const wantAnchorLoss = (await separate.lossSum.data())[0]!;
    const wantStacks = await values(separate.stacked.grads);
    tf.dispose([separate.lossSum, ...separate.stacked.grads]);

    const slots = new AnchorSlots();
    const before = tf.memory().numTensors;
    const got = foldedStepGradients(model, batch, groups, 0, denom, slots);
    expect((await got.value.data())[0]!).toBeCloseTo(wantValue, 5);
    expect((await got.anchors.lossSum.data())[0]!).toBeCloseTo(wantAnchorLoss, 5);
    expect(got.grads.length).toBe(vars.length);
    expect(got.anchors.stacked.groups).toBe(groups.length);
    expect(got.anchors.stacked.axes).toEqual(vars.map((_, i) => (i % 2 === 0 ? 0 : 1)));
    for (const [i, g] of (await values(got.grads)).entries()) expectClose(g, wantGrads[i]!, `training gradient ${vars[i]!.name}`);
    for (const [i, g] of (await values(got.anchors.stacked.grads)).entries()) {
      expect(got.anchors.stacked.grads[i]!.shape).toEqual(separate.stacked.grads[i]!.shape);
      expectClose(g, wantStacks[i]!, `anchors' stacked gradient ${vars[i]!.name}`);
    }
    tf.dispose([got.value, got.anchors.lossSum, ...got.grads, ...got.anchors.stacked.grads]);
    expect(tf.memory().numTensors).toBe(before + slots.count());
    slots.dispose();
    model.dispose();
  });

  /** Three SPF steps with the given folding; the adapter's values after them, the steps' stats and how many folded. */
  async function threeSteps(fold: AnchorFolding, { dropout = 0, refreshEvery = 1, batchSize = 3 } = {}) {
    const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout } });
    const trainer = new Trainer(model, rows(36, 5, 4, 5, 'task'), [], resolveTrainOptions({ maxSteps: 3, batchSize, gradAccum: 2, lr: 5e-3 }), 0);
    const projector = new SafetyProjector(model, rows(4, 6, 5, 29, 'anchors'), resolveSpfOptions({ refreshEvery }), 0, Infinity, fold);
    trainer.addGradientHook(projector.hook);
    const stats = [await trainer.trainStep()];
    const settled = tf.memory().numTensors; // the subspace and the slots exist from the first step on
    for (let s = 1; s < 3; s++) {
      stats.push(await trainer.trainStep());
      expect(tf.memory().numTensors).toBe(settled);
    }
    const weights = await values(data(model));
    const folded = projector.foldedRefreshes;
    projector.dispose();
    trainer.dispose();
    model.dispose();
    return { weights, stats, folded };
  }

  test.each(['cpu', 'webgpu'] as BackendName[])('on %s, SPF steps with the anchors folded train as with their own pass', async (backend) => {
    await setBackend(backend);
    const separate = await threeSteps('never');
    const folded = await threeSteps('always');
    expect(separate.folded).toBe(0);
    expect(folded.folded).toBe(3);
    for (const [i, w] of folded.weights.entries()) expectClose(w, separate.weights[i]!, `adapter variable ${i}`);
    for (const [s, st] of folded.stats.entries()) {
      expect(st.loss).toBeCloseTo(separate.stats[s]!.loss, 4);
      expect(st.tokens).toBe(separate.stats[s]!.tokens);
      expect(st.extra[SPF_METRICS.safetyLoss]!).toBeCloseTo(separate.stats[s]!.extra[SPF_METRICS.safetyLoss]!, 4);
      expect(st.extra[SPF_METRICS.updateCos]!).toBeCloseTo(separate.stats[s]!.extra[SPF_METRICS.updateCos]!, 3);
    }
  });

  test('never with LoRA dropout (the anchors must not be dropped out), and only on refresh steps', async () => {
    await setBackend('cpu');
    expect((await threeSteps('always', { dropout: 0.1 })).folded).toBe(0);
    expect((await threeSteps('always', { refreshEvery: 2 })).folded).toBe(2); // steps 1 and 3 refresh
  });

  test("'auto' folds on a GPU's WebGPU adapter only, within the anchors' token bound", async () => {
    await setBackend('cpu');
    expect((await threeSteps('auto', { batchSize: 6 })).folded).toBe(0);
    await setBackend('webgpu');
    expect(isSoftwareAdapterInUse()).toBe(true); // this machine's lavapipe: CPU-bound, where folding does not pay
    expect((await threeSteps('auto', { batchSize: 6 })).folded).toBe(0);
    setSoftwareAdapterInUse(false); // as on a GPU
    try {
      // 4 anchors of 10–11 tokens padded to 11 (44 tokens): more than a batch of 3 × 8–9 holds, within one of 6 × 9.
      expect((await threeSteps('auto')).folded).toBe(0);
      expect((await threeSteps('auto', { batchSize: 6 })).folded).toBe(3);
    } finally {
      setSoftwareAdapterInUse(true);
    }
  });
});
