import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { installNodeWebGPU, uninstallNodeWebGPU } from '../../node-host/node-webgpu';
import type { MetricPoint, RunConfig } from '../../workers/protocol';
import { jumpingClock, MemoryStores, WorkerHarness } from './helpers/harness';
import { StaticServer } from './helpers/static-server';
import { TINY_MODEL, tinySite } from './helpers/site';

// The worker on real WebGPU (Dawn in Node, Mesa's software Vulkan here; a GPU where there is one): init picks
// WebGPU and names the adapter, and an SPF run goes through SafeTune's WGSL kernels with the same numbers as on the CPU.

let server: StaticServer;
beforeAll(async () => {
  tf.env().set('PROD', true);
  installNodeWebGPU();
  server = await StaticServer.start(tinySite());
});
afterAll(async () => {
  await server.close();
  uninstallNodeWebGPU();
});

async function spfRun(backend: 'webgpu' | 'cpu'): Promise<{ points: MetricPoint[]; adapter: string }> {
  const h = new WorkerHarness(server.base, new MemoryStores(), jumpingClock());
  const ready = (await h.ok({ type: 'init', requestId: 'i', backend })).find((e) => e.type === 'ready');
  if (ready?.type !== 'ready' || ready.defaults === undefined) throw new Error('no ready');
  expect(ready.backend).toBe(backend);
  await h.ok({ type: 'loadModel', requestId: 'm', source: { kind: 'bundled', name: TINY_MODEL } });
  await h.ok({ type: 'loadDataset', requestId: 'd', source: { kind: 'bundled', fileName: 'demo.jsonl' }, maxLength: 64 });
  const d = ready.defaults.run;
  const config: RunConfig = { ...d, lora: { ...d.lora, r: 4, alpha: 8 }, train: { ...d.train, maxSteps: 2, batchSize: 2, maxLength: 64, lr: 5e-3, seed: 3 }, spf: { ...d.spf, k: 2, gate: 'always' }, evalEvery: 0 };
  await h.ok({ type: 'startRun', requestId: 'r', config });
  return { points: h.all('metrics').flatMap((m) => m.points), adapter: ready.adapter };
}

describe('training worker on WebGPU', () => {
  test('init selects WebGPU and names the adapter; SPF steps match the CPU run', async () => {
    const gpu = await spfRun('webgpu');
    expect(gpu.adapter).toMatch(/\(webgpu\)$/);
    const cpu = await spfRun('cpu');
    expect(gpu.points.map((p) => p.step)).toEqual([1, 2]);
    for (const [i, p] of gpu.points.entries()) {
      const q = cpu.points[i]!;
      expect(p.loss).toBeCloseTo(q.loss, 3);
      expect(p.gradNorm).toBeCloseTo(q.gradNorm, 3);
      for (const k of ['safetyLoss', 'cos', 'gate', 'removed'] as const) expect(p.spf![k]).toBeCloseTo(q.spf![k], 3);
    }
  });
});
