import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';
import { anchorGroupGradients, ANCHORS_PER_BATCH, batchGroups } from '../../engine/safety/anchor-gradients';
import { meanNll } from '../../engine/model/loss';
import { toBatch } from '../../engine/train/batcher';
import type { TokenizedExample } from '../../engine/data/types';
import type { BackendName } from '../../engine/backend';

/** Toy anchors of different lengths (so the batched pass pads) over the tiny model's 64-token vocabulary. */
function toyAnchors(n: number): TokenizedExample[] {
  return Array.from({ length: n }, (_, i) => {
    const prompt = [1, 40 + (i % 13), 41 + (i % 7), 0];
    const refusal = [50, 51 + (i % 9), 52 + (i % 4), 63].slice(0, 2 + (i % 3));
    return { ids: [...prompt, ...refusal], labels: [...prompt.map(() => -100), ...refusal], truncated: false, source: { file: 'anchors', line: i + 1 } };
  });
}

/** Each group's loss and gradient from a pass of its own (the definition the batched pass must reproduce). */
async function separately(model: Awaited<ReturnType<typeof tinyModel>>, groups: TokenizedExample[][]): Promise<{ loss: number; grads: Float32Array[] }[]> {
  const vars = model.adapter!.variables();
  const out: { loss: number; grads: Float32Array[] }[] = [];
  for (const g of groups) {
    const r = tf.variableGrads(() => meanNll(model, toBatch(g, Math.max(...g.map((e) => e.ids.length)), 0)), vars);
    out.push({ loss: (await r.value.data())[0]!, grads: await Promise.all(vars.map(async (v) => (await r.grads[v.name]!.data()) as Float32Array)) });
    tf.dispose([r.value, ...Object.values(r.grads)]);
  }
  return out;
}

describe('anchor gradients from batched passes (one LoRA copy per group)', () => {
  test('consecutive groups fill passes of at most ANCHORS_PER_BATCH anchors; a larger group gets its own', () => {
    const sizes = (groups: number[][]): number[][] => batchGroups(groups).map((p) => p.map((g) => g.length));
    const of = (...lengths: number[]): number[][] => lengths.map((n) => Array<number>(n).fill(0));
    expect(ANCHORS_PER_BATCH).toBe(8);
    expect(sizes(of(1, 1, 1, 1))).toEqual([[1, 1, 1, 1]]);
    expect(sizes(of(...Array<number>(20).fill(1)))).toEqual([Array(8).fill(1), Array(8).fill(1), Array(4).fill(1)]);
    expect(sizes(of(4, 4, 4))).toEqual([[4, 4], [4]]);
    expect(sizes(of(3, 12, 2))).toEqual([[3], [12], [2]]);
  });

  test('a pass holds no more padded tokens than the budget: anchors × the pass\'s longest', () => {
    const lengths = (groups: number[][], budget: number): (readonly number[])[][] => batchGroups(groups, budget, (n) => n);
    // 40-token anchors under a 128-token budget (a training batch of 1 × 128): three per pass.
    expect(lengths([[40], [40], [40], [40], [40]], 128)).toEqual([[[40], [40], [40]], [[40], [40]]]);
    // A longer anchor pads the whole pass: 2 × 70 > 128.
    expect(lengths([[10], [70], [10]], 128)).toEqual([[[10]], [[70]], [[10]]]);
    expect(lengths([[10], [10], [70]], 128)).toEqual([[[10], [10]], [[70]]]);
    // A group over the budget on its own still gets its pass.
    expect(lengths([[200], [10]], 128)).toEqual([[[200]], [[10]]]);
    // The anchor cap still holds under a large budget.
    expect(lengths(Array.from({ length: 9 }, () => [1]), 1e9).map((p) => p.length)).toEqual([8, 1]);
  });

  test.each([
    ['cpu', 4, 1, Infinity],
    ['cpu', 6, 2, Infinity], // groups of two anchors share a gradient (anchorsPerPass 2): token-weighted within each group
    ['cpu', 19, 1, Infinity], // three passes, their stacks joined
    ['cpu', 9, 1, Infinity], // a full pass, then a lone anchor's plain pass
    ['cpu', 1, 1, Infinity],
    ['cpu', 7, 1, 24], // a token budget of three anchors per pass (6–8 tokens each)
    ['webgpu', 4, 1, Infinity],
    ['webgpu', 9, 3, Infinity],
  ] as [BackendName, number, number, number][])('on %s, %i anchors in groups of %i, pass budget %s tokens: every group\'s loss and gradient as from its own pass', async (backend, n, perGroup, budget) => {
    await setBackend(backend);
    const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
    const vars = model.adapter!.variables();
    // B starts at zero, so lora_A's gradient would be zero: give every adapter matrix values first.
    vars.forEach((v, i) => v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 11 + i)));
    const anchors = toyAnchors(n);
    const groups: TokenizedExample[][] = [];
    for (let i = 0; i < n; i += perGroup) groups.push(anchors.slice(i, i + perGroup));
    const want = await separately(model, groups);
    const before = tf.memory().numTensors;
    let paced = 0;
    const got = await anchorGroupGradients(model, groups, 0, async () => void paced++, budget);
    const passes = batchGroups(groups, budget, (e) => e.ids.length);
    expect(paced).toBe(passes.length);
    if (budget < Infinity) {
      expect(passes.length).toBeGreaterThan(2);
      expect(passes.some((p) => p.length > 1)).toBe(true);
      for (const p of passes) if (p.length > 1) expect(p.length * Math.max(...p.flat().map((e) => e.ids.length))).toBeLessThanOrEqual(budget);
    }
    expect(got.stacked.groups).toBe(groups.length);
    expect(got.stacked.axes).toEqual(vars.map((_, i) => (i % 2 === 0 ? 0 : 1)));
    expect((await got.lossSum.data())[0]!).toBeCloseTo(want.reduce((s, w) => s + w.loss, 0), 4);
    let checked = 0;
    for (const [i, v] of vars.entries()) {
      const stack = got.stacked.grads[i]!;
      const axis = got.stacked.axes[i]!;
      expect(stack.shape).toEqual(axis === 0 ? [groups.length * v.shape[0]!, v.shape[1]] : [v.shape[0], groups.length * v.shape[1]!]);
      const blocks = tf.split(stack, groups.length, axis);
      for (const [g, block] of blocks.entries()) {
        const actual = await block.data();
        const expected = want[g]!.grads[i]!;
        const scale = Math.max(...expected.map(Math.abs));
        if (scale > 0) checked++;
        expected.forEach((x, j) => expect(Math.abs(actual[j]! - x)).toBeLessThanOrEqual(1e-4 * scale + 1e-7));
      }
      tf.dispose(blocks);
    }
    expect(checked).toBe(groups.length * vars.length); // no gradient is trivially zero
    tf.dispose([got.lossSum, ...got.stacked.grads]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
