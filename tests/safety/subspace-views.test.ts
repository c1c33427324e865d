import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { SafetySubspace } from '../../engine/safety/safety-subspace';
import { layoutBlockGroups } from '../../engine/safety/spf-groups';
import { chunkViews, flatLayout, flatten, viewTensor } from '../../engine/train/flat-layout';

/**
 * SafetySubspace.projectViews — AdamW's update handed over in the optimizer's flat chunks (flat-layout.ts) — gives what
 * project() gives for the same update as one tensor per variable: when each shape group sits whole in one chunk (its
 * stack is cut out, the usual case) and when the optimizer's chunks split the groups (stacked variable by variable).
 */

const SHAPES = [[16, 4], [8, 2], [16, 4], [16, 4], [8, 2], [16, 4]];
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

describe.each(BACKENDS)('SafetySubspace.projectViews on %s', (backend) => {
  test.each([
    ['one chunk', Infinity],
    ['chunks that split the shape groups', 8 * (2 * 64 + 16)],
  ] as const)('%s: the same output, scalars and views as project()', async (_name, bindingBytes) => {
    await setBackend(backend);
    const before = tf.memory().numTensors;
    const anchorGrads = [0, 1].map((a) => SHAPES.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 10 * a + i)));
    const x = SHAPES.map((s, i) => tf.tidy(() => tf.add(tf.randomNormal(s, 0, 1, 'float32', 100 + i), tf.mul(anchorGrads[0]![i]!, i % 2 === 0 ? -0.8 : 0.8))));
    const sub = new SafetySubspace(layoutBlockGroups(SHAPES, 4, 2, Infinity));
    sub.refresh(anchorGrads, { warm: 3, cold: 8 }, 1);
    const layout = flatLayout(SHAPES, bindingBytes);
    expect(layout.chunkVars).toEqual(bindingBytes === Infinity ? [[0, 2, 3, 5, 1, 4]] : [[0, 2], [3, 5, 1], [4]]);
    const chunks = flatten(layout, x);
    const views = chunkViews(layout, chunks);
    for (const gate of ['always', 'direction'] as const) {
      const want = sub.project(x, gate, true);
      const got = sub.projectViews(views, gate, true);
      for (const [i, shape] of SHAPES.entries()) {
        const t = viewTensor(got.out, i, shape);
        const [a, b] = await Promise.all([t.data(), want.out[i]!.data()]);
        const err = Array.from(a).reduce((m, v, e) => Math.max(m, Math.abs(v - b[e]!)), 0);
        expect(err, `variable ${i}`).toBeLessThan(1e-5);
        t.dispose();
      }
      for (const k of ['dot', 'outDot', 'normSq', 'outNormSq', 'gsNormSq', 'removedSq', 'gateRate'] as const) {
        const [a, b] = await Promise.all([got[k].data(), want[k].data()]);
        expect(a[0]!, k).toBeCloseTo(b[0]!, 3);
      }
      expect(got.out.tensors.reduce((n, t) => n + t.size, 0)).toBe(SHAPES.reduce((n, s) => n + size(s), 0));
      const measured = sub.projectViews(views, gate, false);
      expect(measured.out).toBe(views);
      for (const p of [want, got, measured]) tf.dispose([p.dot, p.outDot, p.normSq, p.outNormSq, p.gsNormSq, p.removedSq, p.gateRate]);
      tf.dispose([...want.out.filter((t) => !x.includes(t)), ...got.out.tensors]);
    }
    tf.dispose([...anchorGrads.flat(), ...x, ...chunks]);
    sub.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
