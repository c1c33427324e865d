import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from './errors';
import { watchGpuDevice } from './device/gpu-faults';
import { tuneForAdapter } from './device/software-adapter';
import { registerWasmTrainingKernels } from './device/wasm-kernels';

/** tfjs backends the engine runs on: tfjs-cpu (plain JS), WebAssembly (SIMD, threads where allowed), WebGPU. */
export type BackendName = 'cpu' | 'wasm' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

/** The three binaries tfjs-backend-wasm picks from (plain, SIMD, SIMD + threads), by file name. */
export type WasmBinaryName = 'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';

export interface BackendOptions {
  /** Where the page serves the .wasm files (a bundler's URLs); Node reads them from the package itself. */
  wasmPaths?: Partial<Record<WasmBinaryName, string>>;
  /** Threads for the wasm backend: only where SharedArrayBuffer exists (a cross-origin isolated page). */
  wasmThreads?: number;
}

/** The wasm backend's paths are set once (tfjs refuses a second call after a failed start); threads at each start. */
let wasmPathsSet = false;
/** Whether the wasm backend has started: from then on tfjs keeps it, and paths / threads no longer apply. */
let wasmStarted = false;

/**
 * Selects the tfjs backend. WebGPU's backend registers itself at import time only when `navigator.gpu` exists, so it is
 * imported here, lazily, after the host (a page, a worker, or Node with Dawn) has set `navigator.gpu` up. On WebGPU
 * the device is watched for faults from then on (engine/device/gpu-faults.ts).
 */
export async function useBackend(name: BackendName, opts: BackendOptions = {}): Promise<void> {
  if (name === 'webgpu') {
    if (typeof navigator === 'undefined' || !('gpu' in navigator) || navigator.gpu === undefined) {
      throw new SafeTuneError(
        'gpu',
        'WebGPU is not available here',
        'use a browser with WebGPU (Chrome / Edge 113+; on Linux start Chrome with --enable-unsafe-webgpu) or the wasm backend',
      );
    }
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Paths, threads and the binary choice must precede the backend's initialisation, which starts on the first
    // setBackend('wasm') — or on any tf.findBackend('wasm'), so that cannot be the test for "not yet initialised".
    // A start that failed (the threaded build, say) may be retried with other settings: tfjs then starts it afresh.
    if (!wasmStarted) {
      if (opts.wasmPaths !== undefined && !wasmPathsSet) {
        wasm.setWasmPaths(opts.wasmPaths);
        wasmPathsSet = true;
      }
      if (opts.wasmThreads !== undefined) {
        wasm.setThreadsCount(opts.wasmThreads);
        // One thread: the single-threaded binary even where SharedArrayBuffer exists (a cross-origin isolated page),
        // since tfjs otherwise picks the threaded one whenever it could run.
        if (opts.wasmThreads <= 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      }
    }
    registerWasmTrainingKernels();
  }
  const ok = await tf.setBackend(name);
  if (!ok) {
    const hint = name === 'webgpu' ? 'no WebGPU adapter was found; try the wasm backend' : name === 'wasm' ? 'the WebAssembly binaries could not be loaded; try the cpu backend' : undefined;
    throw new SafeTuneError('gpu', `the tfjs ${name} backend failed to initialise`, hint);
  }
  await tf.ready();
  if (name === 'wasm') wasmStarted = true;
  if (name === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    if (device !== undefined) watchGpuDevice(device);
    await tuneForAdapter();
  }
}
