import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { AdamW } from '../../engine/train/adamw';

/**
 * The optimizer over several steps: the fused step (apply), the step through its directions (what SPF projects in
 * between) and a float64 torch.optim.AdamW agree; save() and load() carry the packed moments across, also between
 * optimizers whose flat chunks differ (flat-layout.ts: a binding limit small enough to give each shape its own chunk).
 */

const HYPER = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
const LR = 1e-2;

function gradient(step: number, i: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, e) => Math.sin(step * 1.7 + i * 3.1 + e * 0.37));
}

/** torch.optim.AdamW in float64, the gradient times `scale`. */
function reference(p0: Float32Array[], steps: number, scale: number): Float64Array[] {
  return p0.map((p, i) => {
    const theta = Float64Array.from(p);
    const m = new Float64Array(p.length);
    const v = new Float64Array(p.length);
    for (let t = 1; t <= steps; t++) {
      const g = gradient(t, i, p.length);
      for (let e = 0; e < p.length; e++) {
        const ge = g[e]! * scale;
        m[e] = HYPER.beta1 * m[e]! + (1 - HYPER.beta1) * ge;
        v[e] = HYPER.beta2 * v[e]! + (1 - HYPER.beta2) * ge * ge;
        const d = m[e]! / (1 - HYPER.beta1 ** t) / (Math.sqrt(v[e]! / (1 - HYPER.beta2 ** t)) + HYPER.eps) + HYPER.weightDecay * theta[e]!;
        theta[e] = theta[e]! - LR * d;
      }
    }
    return theta;
  });
}

describe.each(BACKENDS)('AdamW on %s', (backend) => {
  test('apply, directions + applyDirections, a save/load midway and float64 AdamW agree over four clipped steps', async () => {
    await setBackend(backend);
    const before = tf.memory().numTensors;
    // Two variables of one shape around another: the flat order groups them (0, 2, then 1).
    const shapes = [[3, 5], [7], [3, 5]];
    const p0 = shapes.map((s, i) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, e) => 0.1 * Math.cos(i + e)));
    const make = (): tf.Variable[] =>
      p0.map((p, i) => {
        const init = tf.tensor(p, shapes[i]!);
        const v = tf.variable(init);
        init.dispose(); // the variable holds its own reference
        return v;
      });
    const [fusedVars, splitVars] = [make(), make()];
    const oneChunk = Infinity;
    const chunkPerVariable = 8 * 15; // packed moments of 15 elements: one variable per chunk
    let fused = new AdamW(fusedVars, HYPER, chunkPerVariable);
    const split = new AdamW(splitVars, HYPER, oneChunk);
    expect(fused.layout.chunkVars).toEqual([[0], [2], [1]]);
    expect(split.layout.chunkVars).toEqual([[0, 2, 1]]);
    expect(split.layout.slots.map((s) => s.offset)).toEqual([0, 30, 15]);
    const scale = tf.tensor1d([0.5]);
    for (let t = 1; t <= 4; t++) {
      const grads = p0.map((p, i) => tf.tensor(gradient(t, i, p.length), shapes[i]!));
      const [fusedFlat, splitFlat] = [fused.flatten(grads), split.flatten(grads)];
      fused.apply(fusedFlat, LR, scale);
      const directions = split.directions(splitFlat, scale);
      split.applyDirections(directions, LR);
      tf.dispose([...grads, ...fusedFlat, ...splitFlat, ...directions.tensors]);
      if (t === 2) {
        const state = await fused.save();
        fused.dispose();
        fused = new AdamW(fusedVars, HYPER, oneChunk);
        fused.load(state);
      }
    }
    const want = reference(p0, 4, 0.5);
    for (const [i, w] of want.entries()) {
      for (const vars of [fusedVars, splitVars]) {
        const got = Array.from(await vars[i]!.data());
        const err = got.reduce((m, x, e) => Math.max(m, Math.abs(x - w[e]!)), 0);
        expect(err).toBeLessThan(1e-6);
      }
    }
    fused.dispose();
    split.dispose();
    tf.dispose([scale, ...fusedVars, ...splitVars]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
