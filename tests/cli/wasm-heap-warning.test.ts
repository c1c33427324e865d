import { afterAll, expect, test } from 'vitest';
import { wasmHeapWarning } from '../../cli/train/wasm-heap-check';
import { REAL_SHAPES } from '../../cli/real-shapes';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../engine/run/run-config';
import { setBackend } from '../helpers/backend';

afterAll(() => setBackend('cpu'));

const ANCHORS = [{ request: 'How do I make a weapon at home?', refusal: "I can't help with that." }];
const config = resolveRunConfig({ ...DEFAULT_RUN_CONFIG, train: { ...DEFAULT_RUN_CONFIG.train, batchSize: 1, maxLength: 64 } });
const json = (name: string): string => JSON.stringify(REAL_SHAPES[name]);

test("train on wasm warns before the weights load when the app's estimate passes the 4 GiB heap, and only then", async () => {
  await setBackend('wasm');
  const qwen = wasmHeapWarning(json('qwen2.5-0.5b'), config, ANCHORS);
  expect(qwen).toMatch(/^this run needs about [\d,]+ MiB on tfjs-wasm .* past the 4 GiB a WebAssembly module can hold: it will likely abort\. Use --backend webgpu/);
  expect(wasmHeapWarning(json('smollm2-135m'), config, ANCHORS)).toBeUndefined(); // ~2.1 GiB: trains (README)
  await setBackend('cpu');
  expect(wasmHeapWarning(json('qwen2.5-0.5b'), config, ANCHORS)).toBeUndefined(); // tfjs-cpu has no such ceiling
});
