import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { SPF_GATES } from '../../engine/safety/spf-options';
import { SafetySubspace } from '../../engine/safety/safety-subspace';
import { layoutBlockGroups } from '../../engine/safety/spf-groups';
import { jacobiSvd } from '../../engine/kernels/reference/jacobi-svd';

/**
 * SafetySubspace.project's numbers (the SPF metrics come from them) against the same quantities computed directly from
 * the tensors, for every gate, projecting and only measuring, over groups of different k (two anchors: [16, 4] blocks
 * get k = 8, [8, 2] blocks k = 4; the [16, 4] group split in two by the binding limit).
 */

const SHAPES = [[16, 4], [8, 2], [16, 4], [16, 4], [8, 2], [16, 4]];
/** Σ_i ⟨a_i, b_i⟩ over the blocks, computed directly (tfjs ops, no SPF code). */
async function sumDots(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): Promise<number> {
  const total = tf.tidy(() => tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i]!)))));
  const v = (await total.data())[0]!;
  total.dispose();
  return v;
}
const valueOf = async (t: tf.Tensor): Promise<number> => (await t.data())[0]!;

describe.each(BACKENDS)('SafetySubspace.project on %s', (backend) => {
  test.each(SPF_GATES.flatMap((gate) => [true, false].map((apply) => [gate, apply] as const)))(
    "gate '%s', apply %s: dot, norms, removed energy, the output's dot and norm, and the gate rate",
    async (gate, apply) => {
      await setBackend(backend);
      const before = tf.memory().numTensors;
      const anchorGrads = [0, 1].map((a) => SHAPES.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 10 * a + i)));
      // x leans against G_s in some blocks and with it in others, so 'block' and 'direction' fire on some only
      const x = SHAPES.map((s, i) => tf.tidy(() => tf.add(tf.randomNormal(s, 0, 1, 'float32', 100 + i), tf.mul(anchorGrads[0]![i]!, i % 2 === 0 ? -0.8 : 0.8))));
      const layouts = layoutBlockGroups(SHAPES, 4, 2, 3 * (16 + 8 + 2) * 8 * 4);
      expect(layouts.length).toBe(3);
      expect(new Set(layouts.map((l) => l.k))).toEqual(new Set([8, 4]));
      const sub = new SafetySubspace(layouts);
      sub.refresh(anchorGrads, { warm: 3, cold: 8 }, 1);
      const p = sub.project(x, gate, apply);

      const gs = SHAPES.map((_, i) => tf.tidy(() => tf.div(tf.add(anchorGrads[0]![i]!, anchorGrads[1]![i]!), 2)));
      const blockDots = await Promise.all(x.map((t, i) => sumDots([t], [gs[i]!])));
      const dot = blockDots.reduce((a, b) => a + b, 0);
      const normSq = await sumDots(x, x);
      const gsNormSq = await sumDots(gs, gs);
      const close = async (actual: tf.Tensor, expected: number, scale: number): Promise<void> => {
        const v = await valueOf(actual);
        expect(Math.abs(v - expected), `${v} vs ${expected}`).toBeLessThan(1e-4 * scale);
      };
      await close(p.dot, dot, normSq);
      await close(p.normSq, normSq, normSq);
      await close(p.gsNormSq, gsNormSq, gsNormSq);
      const outDot = await sumDots(p.out, gs);
      const outNormSq = await sumDots(p.out, p.out);
      const removed = p.out.map((t, i) => tf.sub(x[i]!, t));
      const removedSq = await sumDots(removed, removed);
      tf.dispose(removed);
      await close(p.outDot, outDot, normSq);
      await close(p.outNormSq, outNormSq, normSq);
      await close(p.removedSq, removedSq, normSq);
      if (!apply) {
        p.out.forEach((t, i) => expect(t).toBe(x[i]));
        expect(removedSq).toBe(0);
      } else if (gate === 'always') {
        expect(removedSq).toBeGreaterThan(1e-3 * normSq);
      }
      const rate = await valueOf(p.gateRate);
      const negativeBlocks = blockDots.filter((d) => d < 0).length / blockDots.length;
      // 'direction' reads the per-direction dots, which this test cannot form without U: its rate is held to [0, 1] and,
      // below, to whether anything was removed
      if (gate !== 'direction') expect(rate).toBeCloseTo({ always: 1, global: dot < 0 ? 1 : 0, block: negativeBlocks }[gate], 6);
      expect(rate).toBeGreaterThanOrEqual(0);
      expect(rate).toBeLessThanOrEqual(1);
      if (apply) expect(removedSq > 1e-6 * normSq, `gate rate ${rate}, removed ${removedSq}`).toBe(rate > 0);

      tf.dispose([p.dot, p.outDot, p.normSq, p.outNormSq, p.gsNormSq, p.removedSq, p.gateRate, ...p.out.filter((t) => !x.includes(t))]);
      tf.dispose([...anchorGrads.flat(), ...x, ...gs]);
      sub.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe.each(BACKENDS)('SafetySubspace captured energy and G_s on %s', (backend) => {
  // Blocks with two strong directions over noise, so top-k (k = 2 per anchor group) holds most but not all of the energy.
  const SHAPES3 = [[32, 8], [8, 24], [32, 8]];
  const block = (s: number[], seed: number): tf.Tensor2D =>
    tf.tidy(() => {
      const [r, c] = s as [number, number];
      const rank1 = (n: number, w: number): tf.Tensor => tf.mul(tf.matMul(tf.randomNormal([r, 1], 0, 1, 'float32', seed + n), tf.randomNormal([1, c], 0, 1, 'float32', seed + n + 1)), w);
      return tf.add(tf.add(rank1(1, 3), rank1(3, 2)), tf.randomNormal([r, c], 0, 1, 'float32', seed)) as tf.Tensor2D;
    });

  test.each([1, 2])('%i anchor group(s): Σ top-k σ² / ‖M‖²_F against an exact SVD of each stacked block, and G_s the groups\' mean', async (groups) => {
    await setBackend(backend);
    const before = tf.memory().numTensors;
    const anchorGrads = Array.from({ length: groups }, (_, a) => SHAPES3.map((s, i) => block(s, 100 * a + 10 * i)));
    const layouts = layoutBlockGroups(SHAPES3, 2, groups, Infinity);
    const sub = new SafetySubspace(layouts);
    sub.refresh(anchorGrads, { warm: 3, cold: 8 }, 1);
    sub.refresh(anchorGrads, { warm: 3, cold: 8 }, 2); // a warm refresh replaces the first's energy

    let captured = 0;
    let total = 0;
    for (const layout of layouts) {
      for (const i of layout.indices) {
        const [r, c] = SHAPES3[i] as [number, number];
        const values = await Promise.all(anchorGrads.map((g) => g[i]!.array() as Promise<number[][]>));
        // M on the block's longer side L: the groups' gradients side by side along the shorter one (SPF.md step 3).
        const [L, S] = r >= c ? [r, c] : [c, r];
        const m = new Float64Array(L * S * groups);
        values.forEach((v, a) => {
          for (let l = 0; l < L; l++) for (let s = 0; s < S; s++) m[l * S * groups + a * S + s] = r >= c ? v[l]![s]! : v[s]![l]!;
        });
        const { S: sigma } = jacobiSvd(m, L, S * groups);
        sigma.forEach((x, j) => {
          total += x * x;
          if (j < layout.k) captured += x * x;
        });
      }
    }
    expect(captured / total).toBeLessThan(0.95); // the test can tell top-k from everything
    const energy = sub.capturedEnergy();
    expect(Math.abs((await valueOf(energy)) - captured / total)).toBeLessThan(1e-4);

    // G_s is the groups' mean: its norm as project() reports it.
    const mean = SHAPES3.map((_, i) => tf.tidy(() => tf.div(tf.addN(anchorGrads.map((g) => g[i]!)), groups)));
    const p = sub.project(mean, 'always', false);
    const expected = await sumDots(mean, mean);
    expect(Math.abs((await valueOf(p.gsNormSq)) - expected)).toBeLessThan(1e-5 * expected);
    expect(Math.abs((await valueOf(p.dot)) - expected)).toBeLessThan(1e-5 * expected);

    tf.dispose([energy, p.dot, p.outDot, p.normSq, p.outNormSq, p.gsNormSq, p.removedSq, p.gateRate, ...p.out.filter((t) => !mean.includes(t))]);
    tf.dispose([...anchorGrads.flat(), ...mean]);
    sub.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
