import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BACKENDS, setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import { toBatch } from '../../engine/train/batcher';
import { meanNll } from '../../engine/model/loss';
import type { CausalLM } from '../../engine/model/causal-lm';
import type { TokenizedExample } from '../../engine/data/types';
import { resolveSpfOptions } from '../../engine/safety/spf-options';
import { SafetyProjector, SPF_METRICS } from '../../engine/safety/safety-projector';
import { SafetySubspace } from '../../engine/safety/safety-subspace';
import { layoutBlockGroups } from '../../engine/safety/spf-groups';

/**
 * The tests SPF.md (revision 2) names, on tfjs-cpu (the references) and Dawn (the kernels): the gate's sign, the update
 * projection through AdamW, anchors that widen the subspace, and groups split under the binding limit.
 */

const example = (ids: number[], promptLength: number, line: number): TokenizedExample => ({
  ids,
  labels: ids.map((t, i) => (i < promptLength ? -100 : t)),
  truncated: false,
  source: { file: 'toy', line },
});
/** Two toy anchors (request → refusal) and an adversarial task: the same requests → "compliance" tokens. */
const anchors = [example([1, 40, 41, 42, 0, 50, 51, 52, 63], 5, 1), example([1, 43, 44, 0, 53, 54, 55, 63], 4, 2)];
const attack = Array.from({ length: 8 }, (_, i) => example(i % 2 === 0 ? [1, 40, 41, 42, 0, 20 + i, 30, 31, 63] : [1, 43, 44, 0, 21 + i, 32, 33, 63], i % 2 === 0 ? 5 : 4, i + 1));

/** Mean over anchors of their refusal NLL: the safety loss L_s SPF's G_s is the gradient of. */
async function safetyLoss(model: CausalLM): Promise<number> {
  const l = tf.tidy(() => tf.mean(tf.stack(anchors.map((a) => meanNll(model, toBatch([a], a.ids.length, 0))))));
  const v = (await l.data())[0]!;
  l.dispose();
  return v;
}

function snapshot(model: CausalLM): tf.Tensor[] {
  return model.adapter!.variables().map((v) => tf.clone(v));
}

function assign(model: CausalLM, values: readonly tf.Tensor[]): void {
  model.adapter!.variables().forEach((v, i) => v.assign(values[i]!));
}

const dispose = (ts: readonly tf.Tensor[]): void => ts.forEach((t) => t.dispose());

/** A tiny model whose lora_B is no longer zero (one plain step), so every block has a safety gradient. */
async function trainedOnce(): Promise<CausalLM> {
  const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
  const warm = new Trainer(model, attack, [], resolveTrainOptions({ maxSteps: 1, batchSize: 4, lr: 2e-2 }), 0);
  await warm.trainStep();
  warm.dispose();
  return model;
}

describe.each(BACKENDS)('SPF revision 2 on %s', (backend) => {

  test('sign: a plain-SGD step changes L_s with the sign the gate predicts; projected (always, k = r), not to first order', async () => {
    await setBackend(backend);
    const model = await trainedOnce();
    const vars = model.adapter!.variables();
    const start = tf.memory().numTensors;
    const grad = (rows: TokenizedExample[]): tf.Tensor[] => {
      const r = tf.variableGrads(() => meanNll(model, toBatch(rows, Math.max(...rows.map((e) => e.ids.length)), 0)), vars);
      r.value.dispose();
      return vars.map((v) => r.grads[v.name]!);
    };
    const gt = grad(attack);
    const gsPerAnchor = anchors.map((a) => grad([a]));
    const sub = new SafetySubspace(layoutBlockGroups(vars.map((v) => v.shape), 4, anchors.length, Infinity));
    sub.refresh(gsPerAnchor, { warm: 3, cold: 8 }, 1);
    const projected = sub.project(gt, 'always');
    const measured = sub.project(gt, 'global', false); // the gate's inner product ⟨G_t, G_s⟩, nothing removed
    const [dot, gtNorm, gsNorm] = await Promise.all([measured.dot, measured.normSq, measured.gsNormSq].map(async (t) => (await t.data())[0]!));
    const base = snapshot(model);
    const l0 = await safetyLoss(model);
    const eta = 1e-3 / Math.sqrt(gtNorm! * gsNorm!); // first-order change ≤ 1e-3
    const stepChange = async (direction: readonly tf.Tensor[], sign: number): Promise<number> => {
      assign(model, base);
      tf.tidy(() => vars.forEach((v, i) => v.assign(tf.sub(v, tf.mul(direction[i]!, sign * eta)))));
      return (await safetyLoss(model)) - l0;
    };
    const descent = await stepChange(gt, 1);
    const ascent = await stepChange(gt, -1);
    const afterProjection = await stepChange(projected.out, 1);
    assign(model, base);
    // ΔL_s ≈ −η⟨G_s, G_t⟩: a negative inner product (the gate's conflict test) means the step raises L_s.
    expect(Math.abs(dot!) * eta).toBeGreaterThan(2e-5); // a case the sign can be read from
    expect(Math.sign(descent)).toBe(-Math.sign(dot!));
    expect(Math.sign(ascent)).toBe(Math.sign(dot!));
    expect(Math.abs(descent - -eta * dot!)).toBeLessThan(0.2 * Math.abs(eta * dot!));
    // Projected: what is left is second order, far below the unprojected first-order change.
    expect(Math.abs(afterProjection)).toBeLessThan(0.05 * Math.abs(eta * dot!));
    for (const p of [projected, measured]) dispose([p.dot, p.outDot, p.normSq, p.outNormSq, p.gsNormSq, p.removedSq, p.gateRate, ...p.out.filter((t) => !gt.includes(t))]);
    dispose([...gt, ...gsPerAnchor.flat(), ...base]);
    sub.dispose();
    expect(tf.memory().numTensors).toBe(start);
    model.dispose();
  }, 300_000);

  test('through AdamW: 20 adversarial steps, cos(−Δθ, G_s) ≥ −√(1 − energy) and L_s rises by no more than its second-order term', async () => {
    await setBackend(backend);
    const run = async (spf: boolean): Promise<{ rise: number; worstExcess: number; cosines: number[]; energies: number[] }> => {
      const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
      const trainer = new Trainer(model, attack, [], resolveTrainOptions({ maxSteps: 20, batchSize: 4, lr: 2e-2 }), 0);
      const projector = spf ? new SafetyProjector(model, anchors, resolveSpfOptions({ gate: 'direction', project: 'update', anchorTokens: 'all' /* SPF.md's L_s, which safetyLoss measures */ }), 0) : undefined;
      if (projector) trainer.addGradientHook(projector.hook);
      const first = await safetyLoss(model);
      let worstExcess = -Infinity;
      const cosines: number[] = [];
      const energies: number[] = [];
      while (!trainer.done) {
        const before = snapshot(model);
        const l0 = await safetyLoss(model);
        const stats = await trainer.trainStep();
        const after = snapshot(model);
        const l1 = await safetyLoss(model);
        // Second-order term ½ΔθᵀHΔθ ≈ (L(θ+Δθ) + L(θ−Δθ) − 2L(θ)) / 2, measured at θ − Δθ = 2θ₀ − θ₁.
        assign(model, tf.tidy(() => before.map((b, i) => tf.sub(tf.mul(b, 2), after[i]!))));
        const lMinus = await safetyLoss(model);
        assign(model, after);
        const secondOrder = (l1 + lMinus - 2 * l0) / 2;
        worstExcess = Math.max(worstExcess, l1 - l0 - Math.max(secondOrder, 0));
        if (spf) {
          cosines.push(stats.extra[SPF_METRICS.updateCos]!);
          energies.push(stats.extra[SPF_METRICS.energy]!);
        }
        dispose([...before, ...after]);
      }
      const rise = (await safetyLoss(model)) - first;
      projector?.dispose();
      trainer.dispose();
      model.dispose();
      return { rise, worstExcess, cosines, energies };
    };
    // The attack works without SPF (so the test can fail): shown on cpu, where the run is cheap.
    const plain = backend === 'cpu' ? await run(false) : undefined;
    const spf = await run(true);
    if (plain) {
      expect(plain.rise).toBeGreaterThan(0.5);
      expect(plain.worstExcess).toBeGreaterThan(1e-3);
      expect(spf.rise).toBeLessThan(0.1 * plain.rise);
    }
    console.info(`[${backend}] anchor loss rise over 20 adversarial steps: plain ${plain?.rise.toFixed(4) ?? '-'}, SPF ${spf.rise.toFixed(4)}; SPF cos(−Δθ, G_s) in [${Math.min(...spf.cosines).toFixed(4)}, ${Math.max(...spf.cosines).toFixed(4)}], worst rise beyond the second-order term ${spf.worstExcess.toExponential(2)}`);
    // ... and SPF's applied updates never point uphill on L_s beyond the uncaptured energy.
    expect(spf.cosines).toHaveLength(20);
    spf.cosines.forEach((c, i) => expect(c, `step ${i + 1}`).toBeGreaterThanOrEqual(-Math.sqrt(Math.max(0, 1 - spf.energies[i]!)) - 1e-3));
    // f32 losses of ~4 resolve ~1e-6; the excess over the second-order term is rounding.
    expect(spf.worstExcess).toBeLessThan(2e-5);
  }, 300_000);

  test('stacked anchors widen the subspace: the projection removes each anchor\'s directions, not only their mean\'s', async () => {
    await setBackend(backend);
    const start = tf.memory().numTensors;
    const shapes = [[24, 3], [3, 20], [24, 3]];
    const anchorGrads = [0, 1].map((j) => shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 10 * j + i)));
    // A task direction mostly along anchor 0's gradient: the stack removes it, the mean's subspace only partly.
    const x = shapes.map((s, i) => tf.tidy(() => tf.add(anchorGrads[0]![i]!, tf.randomNormal(s, 0, 0.1, 'float32', 100 + i))));
    const inner = async (a: readonly tf.Tensor[], b: readonly tf.Tensor[]): Promise<number> => {
      const d = tf.tidy(() => tf.sum(tf.stack(a.map((t, i) => tf.sum(tf.mul(t, b[i]!))))));
      const v = (await d.data())[0]!;
      d.dispose();
      return v;
    };
    const project = async (grads: tf.Tensor[][]): Promise<number[]> => {
      const sub = new SafetySubspace(layoutBlockGroups(shapes, 3, grads.length, Infinity));
      sub.refresh(grads, { warm: 3, cold: 8 }, 1);
      const p = sub.project(x, 'always');
      const dots = [await inner(p.out, anchorGrads[0]!), await inner(p.out, anchorGrads[1]!)];
      dispose([p.dot, p.outDot, p.normSq, p.outNormSq, p.gsNormSq, p.removedSq, p.gateRate, ...p.out]);
      sub.dispose();
      return dots;
    };
    const scale = Math.sqrt(await inner(x, x)) * Math.sqrt(await inner(anchorGrads[0]!, anchorGrads[0]!));
    const stacked = await project(anchorGrads);
    const mean = tf.tidy(() => anchorGrads[0]!.map((g, i) => tf.div(tf.add(g, anchorGrads[1]![i]!), 2)));
    const averaged = await project([mean]);
    for (const d of stacked) expect(Math.abs(d) / scale).toBeLessThan(1e-4);
    expect(Math.abs(averaged[0]!) / scale).toBeGreaterThan(0.1);
    dispose([...anchorGrads.flat(), ...x, ...mean]);
    expect(tf.memory().numTensors).toBe(start);
  });

  test('groups split under the binding limit give the same projection, with the global gate summed over chunks', async () => {
    await setBackend(backend);
    const shapes = Array.from({ length: 7 }, () => [16, 4]);
    // The largest buffer per block is the power iteration's packed output here: (L + S + 2) rows of kIter = 4 columns
    // (16 + 4 + 2 = 22 × 4 floats), more than the 16 × 4 gradient.
    const bytesPerBlock = (16 + 4 + 2) * 4 * 4;
    const split = layoutBlockGroups(shapes, 2, 1, 3 * bytesPerBlock);
    expect(split.map((l) => l.indices.length)).toEqual([3, 2, 2]); // even chunks, not 3 + 3 + 1
    const gs = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', i));
    const x = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 50 + i));
    const outputs: Float32Array[] = [];
    for (const layout of [layoutBlockGroups(shapes, 2, 1, Infinity), split]) {
      const sub = new SafetySubspace(layout);
      sub.refresh([gs], { warm: 3, cold: 8 }, 1);
      const p = sub.project(x, 'global');
      outputs.push((await tf.concat(p.out.map((t) => t.reshape([-1]))).data()) as Float32Array);
      dispose([p.dot, p.outDot, p.normSq, p.outNormSq, p.gsNormSq, p.removedSq, p.gateRate, ...p.out.filter((t) => !x.includes(t))]);
      sub.dispose();
    }
    const worst = outputs[0]!.reduce((m, v, i) => Math.max(m, Math.abs(v - outputs[1]![i]!)), 0);
    expect(worst).toBeLessThan(1e-4);
    expect(() => layoutBlockGroups(shapes, 2, 1, bytesPerBlock - 1)).toThrow(/maxStorageBufferBindingSize/);
    dispose([...gs, ...x]);
  });
});
