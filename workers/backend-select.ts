/// <reference types="vite/client" />
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../engine/backend';
import { onGpuFault, type GpuFault } from '../engine/device/gpu-faults';
import type { BackendChoice } from './protocol';
import { currentThreadingEnv, guardThreadedStart, planWasmThreads, reportLogicalCoresFor } from './wasm-threads';
import { deviceLostError, outOfMemoryError, wasmAbortError, WorkerError } from './worker-errors';
// The wasm backend's binaries, served by Vite (dev and build) at these URLs.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm?url';

export interface SelectedBackend {
  backend: BackendChoice;
  adapter: string; // "nvidia ampere (webgpu)", "WebAssembly (tfjs-wasm, 2 threads)"
  fallback?: string; // why WebGPU was not used, when it was asked for
}

/**
 * Selects the tfjs backend. WebGPU when asked for and it works, otherwise the CPU — through WebAssembly (SIMD,
 * multi-threaded where the page is cross-origin isolated; ~10× tfjs-cpu), or tfjs-cpu if even that fails — with the
 * reason WebGPU failed. On WebGPU, `onFailure` hears of the first fault the device reports (validation,
 * out-of-memory, internal, device lost) the moment it is reported: such errors do not surface as an exception of the
 * op that caused them, and the step they hit computed garbage.
 */
export async function selectBackend(choice: BackendChoice, onFailure: (e: WorkerError) => void): Promise<SelectedBackend> {
  let fallback: string | undefined;
  if (choice === 'webgpu') {
    try {
      await useBackend('webgpu');
      const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
      onGpuFault((fault) => onFailure(workerErrorOf(fault)));
      return { backend: 'webgpu', adapter: `${describeAdapter(device?.adapterInfo)} (webgpu)` };
    } catch (e) {
      fallback = `WebGPU could not be used (${e instanceof Error ? e.message : String(e)}); training runs on the CPU, much more slowly`;
    }
  }
  const cpu = await selectCpuBackend();
  // tfjs-wasm reports no faults of its own; its abort (memory full) is recorded as one when a command meets it
  // (backendFailure), and from then on the worker refuses work as on a lost GPU.
  onGpuFault((fault) => {
    if (fault.kind === 'wasm-abort') onFailure(workerErrorOf(fault));
  });
  return { backend: 'cpu', adapter: cpu, ...(fallback === undefined ? {} : { fallback }) };
}

const WASM_PATHS = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
} as const;

/**
 * WebAssembly where it loads, else tfjs-cpu; returns the adapter line the page shows. Multi-threaded where the page is
 * cross-origin isolated (workers/wasm-threads.ts); if the threaded build fails to start, one thread, and the line says
 * why. The threaded build works bundled thanks to scripts/vite/threaded-wasm-factory.ts.
 */
async function selectCpuBackend(): Promise<string> {
  const plan = planWasmThreads(currentThreadingEnv());
  let singleReason = plan.singleReason;
  if (plan.threads > 1) {
    const restoreCores = reportLogicalCoresFor(plan.threads); // else tfjs-wasm halves the count
    try {
      await guardThreadedStart(() => useBackend('wasm', { wasmPaths: WASM_PATHS, wasmThreads: plan.threads }));
      const inUse = await wasmThreadsInUse();
      return wasmLine(inUse, `tfjs-wasm's pool started 1 of the ${plan.threads} threads asked for`);
    } catch (e) {
      singleReason = `the threaded build failed to start: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      restoreCores();
    }
  }
  try {
    await useBackend('wasm', { wasmPaths: WASM_PATHS, wasmThreads: 1 });
    return wasmLine(1, singleReason);
  } catch {
    await useBackend('cpu');
    return 'tfjs-cpu';
  }
}

/** "WebAssembly (tfjs-wasm, 2 threads)", or "WebAssembly (tfjs-wasm, 1 thread: the page is not cross-origin isolated)". */
function wasmLine(threads: number, singleReason?: string): string {
  const count = `${threads} thread${threads === 1 ? '' : 's'}`;
  return `WebAssembly (tfjs-wasm, ${count}${threads === 1 && singleReason !== undefined ? `: ${singleReason}` : ''})`;
}

/** The threads tfjs-wasm's thread pool really has (it may create fewer than asked). */
async function wasmThreadsInUse(): Promise<number> {
  return (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount();
}

function workerErrorOf(fault: GpuFault): WorkerError {
  if (fault.kind === 'device-lost') return deviceLostError(fault.message);
  if (fault.kind === 'wasm-abort') return wasmAbortError(fault);
  if (fault.kind === 'out-of-memory') return outOfMemoryError(fault.message);
  return new WorkerError('out-of-memory', fault.message, fault.hint);
}

function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (info === undefined) return 'GPU';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => typeof p === 'string' && p !== '');
  return parts.length === 0 ? 'GPU' : [...new Set(parts)].join(' ');
}
