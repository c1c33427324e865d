import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

interface DeviceHolder {
  device: GPUDevice;
}

function device(): GPUDevice {
  return (tf.backend() as unknown as DeviceHolder).device;
}

/**
 * Runs `fn` inside WebGPU error scopes and fails on any validation / internal / out-of-memory error. Without this a
 * WGSL compile error only prints a warning and the kernel's output is silently garbage (or stale zeros).
 */
export async function withoutGpuErrors<T>(fn: () => Promise<T>): Promise<T> {
  const d = device();
  const filters: GPUErrorFilter[] = ['validation', 'internal', 'out-of-memory'];
  for (const f of filters) d.pushErrorScope(f);
  let result: T;
  try {
    result = await fn();
  } finally {
    const errors = (await Promise.all(filters.map(() => d.popErrorScope()))).filter((e) => e !== null);
    expect(errors.map((e) => e.message)).toEqual([]);
  }
  return result;
}

/** Counts the webgpu backend's GPU→CPU transfers (read, readSync, readToGPU) until `restore()`. */
export function countReads(): { count: () => number; restore: () => void } {
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const names = ['read', 'readSync', 'readToGPU'].filter((n) => typeof backend[n] === 'function');
  let calls = 0;
  const originals = names.map((n) => backend[n] as (...args: unknown[]) => unknown);
  names.forEach((n, i) => {
    backend[n] = (...args: unknown[]): unknown => {
      calls++;
      return originals[i]!.apply(backend, args);
    };
  });
  return {
    count: () => calls,
    restore: () => names.forEach((n) => delete backend[n]), // the prototype's methods show through again
  };
}
