import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../engine/backend';
import type { BackendChoice } from './protocol';
import { deviceLostError, outOfMemoryError, type WorkerError } from './worker-errors';

export interface SelectedBackend {
  backend: BackendChoice;
  adapter: string; // "nvidia ampere (webgpu)", "tfjs-cpu"
  fallback?: string; // why WebGPU was not used, when it was asked for
}

/**
 * Selects the tfjs backend. WebGPU when asked for and it works, otherwise the cpu backend (slow, but the demo model
 * trains on it), with the reason WebGPU failed. On WebGPU, `onFailure` hears of a lost device or an out-of-memory
 * error the moment the GPU reports it — such errors do not always surface as an exception of the op that caused them.
 */
export async function selectBackend(choice: BackendChoice, onFailure: (e: WorkerError) => void): Promise<SelectedBackend> {
  let fallback: string | undefined;
  if (choice === 'webgpu') {
    try {
      await useBackend('webgpu');
      const device = webgpuDevice();
      if (device !== undefined) watchDevice(device, onFailure);
      return { backend: 'webgpu', adapter: `${describeAdapter(device?.adapterInfo)} (webgpu)` };
    } catch (e) {
      fallback = `WebGPU could not be used (${e instanceof Error ? e.message : String(e)}); training runs on the CPU, much more slowly`;
    }
  }
  await useBackend('cpu');
  return { backend: 'cpu', adapter: 'tfjs-cpu', ...(fallback === undefined ? {} : { fallback }) };
}

/** The GPUDevice tfjs's webgpu backend runs on (its public `device` field). */
function webgpuDevice(): GPUDevice | undefined {
  return (tf.backend() as unknown as { device?: GPUDevice }).device;
}

function watchDevice(device: GPUDevice, onFailure: (e: WorkerError) => void): void {
  void device.lost?.then((info) => {
    // 'destroyed' is our own doing (the backend was removed), not a failure.
    if (info.reason !== 'destroyed') onFailure(deviceLostError(info.message || 'no reason given'));
  });
  // Browsers' devices are EventTargets; Dawn's in Node may not be (then only `lost` is watched).
  if (typeof device.addEventListener !== 'function') return;
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    if (typeof GPUOutOfMemoryError !== 'undefined' && error instanceof GPUOutOfMemoryError) onFailure(outOfMemoryError(error.message));
  });
}

function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (info === undefined) return 'GPU';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => typeof p === 'string' && p !== '');
  return parts.length === 0 ? 'GPU' : [...new Set(parts)].join(' ');
}
