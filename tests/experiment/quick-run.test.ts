/**
 * END-TO-END SMOKE TEST of `npm run experiment -- --quick`: every stage of the default run (base evaluation, each
 * condition × method fine-tune, every held-out evaluation, aggregation, report, goals, time projection) at toy size on
 * tfjs-cpu. Its numbers mean nothing; it checks that the run completes, that each row carries every field of the
 * issue's JSON, and that no tensor is left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { jsonRow } from '../../scripts/experiment/aggregate';
import { runExperiment, type ExperimentResult } from '../../scripts/experiment/experiment';
import { EXPERIMENT_DEFAULTS, QUICK_SETTINGS } from '../../scripts/experiment/settings';
import { reportText } from '../../scripts/experiment/summary';

const settings = { ...EXPERIMENT_DEFAULTS, ...QUICK_SETTINGS, quick: true, backend: 'cpu' as const };
let result: ExperimentResult;
let tensorsBefore: number;
let tensorsAfter: number;

beforeAll(async () => {
  await setBackend('cpu');
  tensorsBefore = tf.memory().numTensors;
  result = await runExperiment(process.cwd(), settings, () => {});
  tensorsAfter = tf.memory().numTensors;
}, 300_000);

describe('experiment --quick', () => {
  test('one row per condition × method, base first, all seeds', () => {
    expect(result.rows.map((r) => `${r.condition}/${r.method}`)).toEqual([
      'base/none',
      'benign/lora',
      'benign/spf',
      'adversarial/lora',
      'adversarial/spf',
      'mixed/lora',
      'mixed/spf',
      'deep/lora',
      'deep/spf',
    ]);
    for (const r of result.rows.slice(1)) expect(r.seeds).toEqual(settings.seeds);
    expect(result.failures).toEqual([]);
  });

  test('every JSON field is a number in range (rates in [0, 1], the interval around the rate)', () => {
    for (const r of result.rows) {
      const j = jsonRow(r);
      for (const k of ['refusal_rate', 'compliance_rate', 'jailbreak_refusal_rate', 'over_refusal_rate', 'utility']) {
        expect(j[k]).toBeGreaterThanOrEqual(0);
        expect(j[k]).toBeLessThanOrEqual(1);
      }
      const [lo, hi] = j['refusal_ci'] as [number, number];
      expect(lo).toBeLessThanOrEqual(r.refusal.rate);
      expect(hi).toBeGreaterThanOrEqual(r.refusal.rate);
      expect(Number.isFinite(j['task_nll'])).toBe(true);
      expect(Number.isFinite(j['safety_drift'])).toBe(true);
      expect(Number.isFinite(j['decision_drift'])).toBe(true);
      expect(r.samples.length).toBeGreaterThan(0);
    }
    expect(result.rows[0]!.drift.mean).toBe(0); // the base model is the drift baseline
    expect(result.rows[0]!.decisionDrift.mean).toBe(0);
    // The decision drift scores fewer tokens than the whole-refusal drift: a fine-tuned row's two differ.
    for (const r of result.rows.slice(1)) expect(r.decisionDrift.mean).not.toBe(r.drift.mean);
  });

  test('SPF rows carry the per-step SPF metrics; plain LoRA rows none', () => {
    for (const r of result.rows.filter((x) => x.method === 'spf')) expect(Object.keys(r.spf)).toContain('spf_cos');
    for (const r of result.rows.filter((x) => x.method === 'lora')) expect(r.spf).toEqual({});
  });

  test('the report has the tables, the goals and the projection of the default run', () => {
    const text = reportText(settings, result);
    expect(text).toContain('| condition | method | seeds | refusal [95 % CI]');
    expect(text).toContain('Jailbreak refusal rate per framing');
    expect(text).toContain('Goals (issue 9');
    expect(text).toContain("No projection of the default run's time"); // --quick's own batch is not the default's
  });

  test('no tensor is left behind', () => {
    expect(tensorsAfter).toBe(tensorsBefore);
  });

  // Two worker processes, each with its own model, must give the one-process run's results: every unit starts from
  // the base model with its own seed, and drift is measured against the same base in every process.
  test('--jobs 2 gives the same rows as one process', async () => {
    const parallel = await runExperiment(process.cwd(), { ...settings, jobs: 2 }, () => {});
    const strip = (r: ExperimentResult): unknown[] => r.rows.map((row) => ({ ...jsonRow(row), samples: row.samples, spf: row.spf }));
    expect(strip(parallel)).toEqual(strip(result));
    expect(parallel.timing.jobs).toBe(2);
  }, 300_000);
});
