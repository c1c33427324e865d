import { describe, expect, it } from 'vitest';
import { lossChart, optimizerChart, overlayName } from '../../app/charts/chart-specs';
import { smoothSeries } from '../../app/charts/smooth';
import { datasetFileProblem } from '../../app/dataset/file-check';
import { formatDrift, formatTokenRate } from '../../app/format';
import { cliRunLog } from '../../cli/train/run-log';
import type { MetricsFile } from '../../cli/train/metrics-file';
import { createAppStore } from '../../app/store/app-store';
import type { MetricPoint, PresetChoice } from '../../workers/protocol';
import { DEFAULT_RUN_CONFIG } from '../../engine/run/run-config';

const point = (step: number, loss: number): MetricPoint => ({ variant: 'spf', step, loss, lr: 1e-3, gradNorm: 2, tokensPerSecond: 10, etaSeconds: 1 });

describe('the cockpit page parts', () => {
  it('names binary files and unknown extensions before the worker parses them; lets datasets through', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(datasetFileProblem('photo.png', png)?.message).toBe('photo.png is a PNG image, not a dataset.');
    expect(datasetFileProblem('data.jsonl', png)?.message).toContain('PNG image'); // the bytes win over the name
    expect(datasetFileProblem('slides.pptx', new TextEncoder().encode('hello'))?.message).toContain('.pptx');
    expect(datasetFileProblem('blob.bin', new Uint8Array([1, 0, 2]))?.message).toContain('.bin');
    expect(datasetFileProblem('rows', new Uint8Array([1, 0, 2]))?.message).toContain('binary file');
    const text = new TextEncoder().encode('{"text": "hi"}\n');
    for (const name of ['a.jsonl', 'a.json', 'a.csv', 'a.tsv', 'a.txt', 'A.TXT', 'no-extension']) expect(datasetFileProblem(name, text)).toBeUndefined();
    expect(datasetFileProblem('t.parquet', new Uint8Array([0x50, 0x41, 0x52, 0x31, 0, 0]))).toBeUndefined();
  });

  it('smooths like TensorBoard: debiased from the first point, NaN kept, weight 0 unchanged', () => {
    expect(smoothSeries([4, 2, Number.NaN, 2], 0)).toEqual([4, 2, Number.NaN, 2]);
    const s = smoothSeries([4, 2, Number.NaN, 2], 0.5);
    expect(s[0]).toBeCloseTo(4); // not pulled towards 0
    expect(s[1]).toBeCloseTo((0.5 * 2 + 0.25 * 4) / 0.75);
    expect(s[2]).toBeNaN();
  });

  it('draws smoothed and raw training loss, validation in its own colour, and past runs', () => {
    const store = createAppStore();
    store.getState().setDefaultConfig(structuredClone(DEFAULT_RUN_CONFIG) as never);
    store.getState().resetSeries('now');
    store.getState().appendMetrics('now', [point(1, 4), point(2, 2)], []);
    store.getState().addOverlay('run-old', [point(1, 5), point(3, 3)], []);
    const spec = lossChart(['spf'], { smoothing: 0.5, overlays: store.getState().overlays });
    store.getState().addAccuracy('now', 0, 0.1);
    store.getState().addAccuracy('now', 2, 0.5);
    expect(spec.series.map((s) => s.label)).toEqual(['train (SPF), smoothed', 'validation (SPF)', 'train (SPF), raw', 'run old train', 'token accuracy (validation, SPF)']);
    expect(spec.series.at(-1)!.scale).toBe('accuracy');
    expect(spec.series[0]!.stroke).not.toBe(spec.series[1]!.stroke);
    const [x, smoothed, , raw, past, accuracy] = spec.data(store.getState());
    expect(x).toEqual([0, 1, 2, 3]);
    expect(accuracy).toEqual([0.1, null, 0.5, null]);
    expect(raw).toEqual([null, 4, 2, null]);
    expect(smoothed![2]).toBeCloseTo((0.5 * 2 + 0.25 * 4) / 0.75);
    expect(past![1]).toBeCloseTo(5);
    expect(past![2]).toBeNull();
    const [, lr, gradNorm] = optimizerChart('spf').data(store.getState());
    expect([lr, gradNorm]).toEqual([[1e-3, 1e-3], [2, 2]]);
    expect(overlayName('run-20261202-032110-ab12')).toBe('run 20261202-032110');
    store.getState().removeOverlay('run-old');
    expect(store.getState().overlays).toEqual([]);
  });

  it('applies a preset field by field and remembers which; a default reset forgets it', () => {
    const store = createAppStore();
    store.getState().setDefaultConfig(structuredClone(DEFAULT_RUN_CONFIG) as never);
    const quick: PresetChoice = { id: 'quick-demo', label: 'Quick demo', about: '', dataset: 'benign-task.jsonl', patch: { train: { lr: 1e-2, maxSteps: 40 }, spf: { enabled: true }, evalEvery: 10 } };
    store.getState().applyPreset(quick);
    const c = store.getState().config!;
    expect([c.train.lr, c.train.maxSteps, c.train.batchSize, c.evalEvery, store.getState().presetId]).toEqual([1e-2, 40, DEFAULT_RUN_CONFIG.train.batchSize, 10, 'quick-demo']);
    store.getState().setDefaultConfig(structuredClone(DEFAULT_RUN_CONFIG) as never);
    expect(store.getState().presetId).toBeUndefined();
  });

  it('writes drift in fixed decimals', () => {
    expect([formatDrift(-6.49e-5), formatDrift(0.0772), formatDrift(-0.25), formatDrift(undefined)]).toEqual(['0.000', '0.077', '-0.250', '–']);
  });

  // A real-size model on a software adapter trains at ~1 token per second: "1" / "0" would hide it.
  it('writes token rates below 10 with two significant digits, in the page and in the CLI progress line', () => {
    const rates = [1234.6, 10, 9.96, 1.3201, 0.3088, 0, Number.NaN];
    const expected = ['1235', '10', '10', '1.3', '0.31', '0', '0'];
    expect(rates.map(formatTokenRate)).toEqual(expected);
    const lines: string[] = [];
    const log = cliRunLog({ appendPoint: () => undefined, appendEval: () => undefined } as unknown as MetricsFile, () => 2, (line) => lines.push(line));
    const point: MetricPoint = { variant: 'spf', step: 1, loss: 17.4, lr: 2e-4, gradNorm: 1, tokensPerSecond: 1.3201, etaSeconds: 194 };
    log({ type: 'metrics', runId: 'r', points: [point], evals: [] });
    expect(lines[0]).toContain('| 1.3 tok/s |');
  });

  // With the default (the update projected) the gradient's metrics read gate 1, removed 0: the line must show what
  // SPF did remove, from the projection the run makes.
  it('shows the CLI progress line the gate and removed fraction of the projection the run makes', () => {
    const spf = { safetyLoss: 0.13, cos: -0.04, gate: 1, removed: 0, energy: 0.99, updateCos: 0, updateGate: 1, updateRemoved: 0.608 };
    const point: MetricPoint = { variant: 'spf', step: 1, loss: 1.2, lr: 5e-3, gradNorm: 1, tokensPerSecond: 900, etaSeconds: 10, spf };
    const line = (project: 'update' | 'gradient' | 'both', p: MetricPoint = point): string => {
      const lines: string[] = [];
      cliRunLog({ appendPoint: () => undefined, appendEval: () => undefined } as unknown as MetricsFile, () => 2, (l) => lines.push(l), project)({ type: 'metrics', runId: 'r', points: [p], evals: [] });
      return lines[0]!;
    };
    expect(line('update')).toContain('| spf cos -0.040 update gate 1.00 removed 0.608 step cos 0.000');
    expect(line('update')).not.toContain('gradient gate');
    const projected = { ...point, spf: { ...spf, removed: 0.41, updateGate: Number.NaN, updateRemoved: Number.NaN, updateCos: -0.002 } };
    expect(line('gradient', projected)).toContain('| spf cos -0.040 gradient gate 1.00 removed 0.410 step cos -0.002');
    expect(line('gradient', projected)).not.toContain('update gate');
    expect(line('both', { ...point, spf: { ...spf, removed: 0.41 } })).toContain('gradient gate 1.00 removed 0.410 update gate 1.00 removed 0.608');
  });
});
