import { describe, expect, test, vi } from 'vitest';
import { guardThreadedStart, MAX_WASM_THREADS, planWasmThreads, reportLogicalCoresFor } from '../../workers/wasm-threads';

describe('planWasmThreads', () => {
  const isolated = { crossOriginIsolated: true, hasSharedArrayBuffer: true };
  test('one thread per logical core, capped, where memory can be shared', () => {
    expect(planWasmThreads({ ...isolated, hardwareConcurrency: 2 })).toEqual({ threads: 2 });
    expect(planWasmThreads({ ...isolated, hardwareConcurrency: 6 })).toEqual({ threads: 6 });
    expect(planWasmThreads({ ...isolated, hardwareConcurrency: 64 })).toEqual({ threads: MAX_WASM_THREADS });
  });
  test('one thread, with the reason, otherwise', () => {
    expect(planWasmThreads({ ...isolated, crossOriginIsolated: false, hardwareConcurrency: 8 })).toEqual({ threads: 1, singleReason: 'the page is not cross-origin isolated' });
    expect(planWasmThreads({ ...isolated, crossOriginIsolated: undefined, hardwareConcurrency: 8 }).threads).toBe(1);
    expect(planWasmThreads({ ...isolated, hasSharedArrayBuffer: false, hardwareConcurrency: 8 })).toEqual({ threads: 1, singleReason: 'this browser has no SharedArrayBuffer' });
    expect(planWasmThreads({ ...isolated, hardwareConcurrency: 1 })).toEqual({ threads: 1, singleReason: 'this machine reports one core' });
    expect(planWasmThreads({ ...isolated, hardwareConcurrency: undefined }).threads).toBe(1);
  });
});

describe('guardThreadedStart', () => {
  test('passes a start through, and its failure', async () => {
    await expect(guardThreadedStart(async () => {}, 1000)).resolves.toBeUndefined();
    await expect(guardThreadedStart(() => Promise.reject(new Error('no wasm')), 1000)).rejects.toThrow('no wasm');
  });
  test('gives up on a start that never finishes', async () => {
    await expect(guardThreadedStart(() => new Promise<void>(() => {}), 50)).rejects.toThrow('did not start within');
  });
});

test('reportLogicalCoresFor shows twice the thread count until restored, then the browser\'s own count again', () => {
  // As in a browser: the count is a getter on the prototype (WorkerNavigator.prototype), not on the instance.
  class FakeNavigator {
    get hardwareConcurrency(): number {
      return 2;
    }
  }
  vi.stubGlobal('navigator', new FakeNavigator());
  try {
    const restore = reportLogicalCoresFor(3);
    expect(navigator.hardwareConcurrency).toBe(6);
    restore();
    expect(navigator.hardwareConcurrency).toBe(2);
    expect(Object.getOwnPropertyNames(navigator)).toEqual([]);
  } finally {
    vi.unstubAllGlobals();
  }
});
