import type { WebGpuReport } from '../gpu/probeWebGpu';
import type { DeviceLimits } from './memory-estimate';

/**
 * The limits the memory estimate is held to. WebGPU reports per-buffer limits but not how much memory the GPU has, so
 * the total budget is a guess on the safe side: half the machine's memory as the browser reports it
 * (navigator.deviceMemory, which Chrome rounds and caps at 8 GB), since integrated GPUs share it. On the CPU backend
 * there are no buffer limits, only that budget, and the estimate takes the WebAssembly backend's autodiff (the fallback)
 * and holds it to the WebAssembly heap's 4 GiB ceiling besides (memory-estimate.ts, WASM_HEAP_MAX_BYTES).
 */
export function deviceLimits(gpu: WebGpuReport | undefined, deviceMemoryGiB: number | undefined): DeviceLimits {
  const budgetBytes = ((deviceMemoryGiB ?? 8) / 2) * 1024 ** 3;
  if (gpu?.status !== 'available') return { backend: 'wasm', maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity, budgetBytes };
  return {
    backend: 'webgpu',
    maxBufferSize: gpu.adapter.maxBufferSize,
    maxStorageBufferBindingSize: gpu.adapter.maxStorageBufferBindingSize,
    budgetBytes,
  };
}

/** navigator.deviceMemory where the browser has it (Chrome), in GiB. */
export function browserDeviceMemory(): number | undefined {
  const value: unknown = Reflect.get(navigator, 'deviceMemory');
  return typeof value === 'number' && value > 0 ? value : undefined;
}
