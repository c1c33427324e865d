import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { tinyModel } from '../helpers/tiny-model';
import { Trainer } from '../../engine/train/trainer';
import { resolveTrainOptions } from '../../engine/train/options';
import { resolveSpfOptions } from '../../engine/safety/spf-options';
import { SafetyProjector, SPF_METRICS } from '../../engine/safety/safety-projector';
import { scopeAnchor } from '../../engine/safety/anchor-scope';
import { spfFromFlags } from '../../cli/commands/spf-flags';
import type { TokenizedExample } from '../../engine/data/types';
import { toBatch } from '../../engine/train/batcher';
import { meanNll } from '../../engine/model/loss';

const task: TokenizedExample[] = Array.from({ length: 8 }, (_, i) => ({
  ids: [1, 2 + (i % 7), 3 + (i % 5), 0, 3 + (i % 5), 2 + (i % 7), 63],
  labels: [-100, -100, -100, -100, 3 + (i % 5), 2 + (i % 7), 63],
  truncated: false,
  source: { file: 'toy', line: i + 1 },
}));
const anchor: TokenizedExample = { ids: [1, 40, 41, 42, 0, 50, 51, 52, 63], labels: [-100, -100, -100, -100, -100, 50, 51, 52, 63], truncated: false, source: { file: 'anchor', line: 1 } };

describe('SPF anchor tokens (the safety loss on the first N refusal tokens)', () => {
  test('scopeAnchor keeps the first N labelled positions and cuts the sequence after the last of them', () => {
    expect(scopeAnchor(anchor, 1)).toMatchObject({ ids: [1, 40, 41, 42, 0, 50], labels: [-100, -100, -100, -100, -100, 50] });
    expect(scopeAnchor(anchor, 2)).toMatchObject({ ids: [1, 40, 41, 42, 0, 50, 51], labels: [-100, -100, -100, -100, -100, 50, 51] });
    expect(scopeAnchor(anchor, 9)).toMatchObject({ ids: anchor.ids, labels: anchor.labels });
    expect(scopeAnchor(anchor, 'all')).toBe(anchor);
  });

  test('cutting the scoped anchor changes neither its loss nor its gradient (causal attention; cpu)', async () => {
    await setBackend('cpu');
    const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
    const vars = model.adapter!.variables();
    // B starts at zero, so lora_A's gradient would be zero: give every adapter matrix values first.
    for (const v of vars) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 5));
    const masked: TokenizedExample = { ...anchor, labels: [-100, -100, -100, -100, -100, 50, 51, -100, -100] };
    const cut = scopeAnchor(anchor, 2);
    expect(cut.ids.length).toBeLessThan(masked.ids.length);
    const lossAndGrads = async (e: TokenizedExample): Promise<number[][]> => {
      const r = tf.variableGrads(() => meanNll(model, toBatch([e], e.ids.length, 0)), vars);
      const out = [Array.from(await r.value.data()), ...(await Promise.all(vars.map((v) => r.grads[v.name]!.data()))).map((d) => Array.from(d))];
      r.value.dispose();
      tf.dispose(Object.values(r.grads));
      return out;
    };
    const [a, b] = [await lossAndGrads(masked), await lossAndGrads(cut)];
    expect(b[1]!.some((x) => Math.abs(x) > 1e-6)).toBe(true); // the gradient is not trivially zero
    a.forEach((xs, i) => xs.forEach((x, j) => expect(b[i]![j]!).toBeCloseTo(x, 5)));
    model.dispose();
  });

  test('anchorsPerPass: anchors sharing a pass give one gradient of their pooled loss; the flag and its range (cpu)', async () => {
    expect(resolveSpfOptions({}).anchorsPerPass).toBe(1);
    expect(() => resolveSpfOptions({ anchorsPerPass: 0 })).toThrow(/anchorsPerPass/);
    expect(spfFromFlags({ spf: true, 'spf-anchors-per-pass': '4' }).anchorsPerPass).toBe(4);
    expect(() => spfFromFlags({ spf: true, 'spf-anchors-per-pass': 'two' })).toThrow(/--spf-anchors-per-pass/);
    await setBackend('cpu');
    const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
    const other: TokenizedExample = { ids: [1, 44, 45, 0, 53, 54, 63], labels: [-100, -100, -100, -100, 53, 54, 63], truncated: false, source: { file: 'anchor', line: 2 } };
    const nll = async (rows: TokenizedExample[]): Promise<number> => {
      const loss = tf.tidy(() => meanNll(model, toBatch(rows, Math.max(...rows.map((r) => r.ids.length)), 0)));
      const v = (await loss.data())[0]!;
      loss.dispose();
      return v;
    };
    const pooled = await nll([anchor, other]); // token-weighted over both anchors
    const meanOfTwo = ((await nll([anchor])) + (await nll([other]))) / 2;
    expect(Math.abs(pooled - meanOfTwo)).toBeGreaterThan(1e-4); // the two readings differ, so the metric tells them apart
    const before = tf.memory().numTensors;
    for (const [perPass, want] of [[2, pooled], [1, meanOfTwo]] as const) {
      const trainer = new Trainer(model, task, [], resolveTrainOptions({ maxSteps: 1, batchSize: 4, lr: 0 }), 0);
      const projector = new SafetyProjector(model, [anchor, other], resolveSpfOptions({ anchorsPerPass: perPass, anchorTokens: 'all' }), 0);
      trainer.addGradientHook(projector.hook);
      const stats = await trainer.trainStep();
      expect(stats.extra[SPF_METRICS.safetyLoss]).toBeCloseTo(want, 5);
      projector.dispose();
      trainer.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('options and the CLI flag accept a positive integer or "all", and name the flag otherwise', () => {
    expect(resolveSpfOptions({ anchorTokens: 1 }).anchorTokens).toBe(1);
    expect(() => resolveSpfOptions({ anchorTokens: 0 })).toThrow(/anchorTokens/);
    expect(() => resolveSpfOptions({ anchorTokens: 1.5 })).toThrow(/anchorTokens/);
    expect(spfFromFlags({ spf: true, 'spf-anchor-tokens': 'all' }).anchorTokens).toBe('all');
    expect(spfFromFlags({ spf: true, 'spf-anchor-tokens': '2' }).anchorTokens).toBe(2);
    expect(() => spfFromFlags({ spf: true, 'spf-anchor-tokens': 'first' })).toThrow(/--spf-anchor-tokens/);
  });

  test('with anchorTokens 1 the reported safety loss is the NLL of the first refusal token alone (cpu)', async () => {
    await setBackend('cpu');
    const model = await tinyModel('llama', { lora: { r: 4, alpha: 8, dropout: 0 } });
    const expected = async (example: TokenizedExample): Promise<number> => {
      const loss = tf.tidy(() => meanNll(model, toBatch([example], example.ids.length, 0)));
      const v = (await loss.data())[0]!;
      loss.dispose();
      return v;
    };
    const first = await expected(scopeAnchor(anchor, 1));
    const whole = await expected(anchor);
    expect(Math.abs(first - whole)).toBeGreaterThan(1e-3); // the test can tell the two losses apart
    for (const [tokens, want] of [[1, first], ['all', whole]] as const) {
      const trainer = new Trainer(model, task, [], resolveTrainOptions({ maxSteps: 1, batchSize: 4, lr: 0 }), 0);
      const projector = new SafetyProjector(model, [anchor], resolveSpfOptions({ anchorTokens: tokens }), 0);
      trainer.addGradientHook(projector.hook);
      const stats = await trainer.trainStep(); // the safety loss is measured before the (zero-lr) update
      expect(stats.extra[SPF_METRICS.safetyLoss]).toBeCloseTo(want, 5);
      projector.dispose();
      trainer.dispose();
    }
    model.dispose();
  });
});
