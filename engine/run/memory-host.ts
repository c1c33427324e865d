import { backendFailure, gpuFault } from '../device/gpu-faults';
import { MemoryFolderStore } from '../train/folder-store';
import { SYSTEM_TIMERS } from './metrics-batcher';
import type { ModelAccess } from './model-access';
import type { RunEvent } from './run-events';
import { RunFolder } from './run-folder';
import type { RunHost } from './run-host';

/** A run folder held in memory (one store per subfolder): a run that needs no storage, or a test's. */
export function memoryRunFolder(): RunFolder {
  const stores = new Map<string, MemoryFolderStore>();
  return new RunFolder((subfolder) => {
    const key = subfolder.join('/');
    let store = stores.get(key);
    if (store === undefined) stores.set(key, (store = new MemoryFolderStore()));
    return store;
  });
}

/**
 * A host for a run with no I/O (the experiment, tests): the model used by one caller at a time, a memory run folder,
 * every metric event at once; GPU faults as the device watch (engine/device/gpu-faults.ts) recorded them, and
 * tfjs-wasm's abort as one.
 */
export function memoryRunHost(access: ModelAccess, emit: (event: RunEvent) => void, overrides: Partial<RunHost> = {}): RunHost {
  return {
    access,
    folder: memoryRunFolder(),
    emit,
    timers: SYSTEM_TIMERS,
    metricsIntervalMs: 0,
    gpuFailure: gpuFault,
    asGpuFailure: backendFailure,
    ...overrides,
  };
}
