import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, useBackend, type BackendName } from '../engine/backend';
import { onGpuFault } from '../engine/device/gpu-faults';
import { installNodeWebGPU, uninstallNodeWebGPU } from './node-webgpu';

/** `--backend` values of every command; wasm (WebAssembly SIMD) is the CPU path: ~10× tfjs-cpu's speed. */
export const CLI_BACKENDS = BACKEND_NAMES;
export const DEFAULT_CLI_BACKEND: BackendName = 'wasm';

/**
 * Selects the CLI's tfjs backend (webgpu = Dawn in Node). On WebGPU, the first fault the device reports (validation,
 * out-of-memory, internal, device lost) ends the process at once with one line on stderr and exit code 1: whatever
 * the command computes after it is garbage, and must never reach stdout as if it were a result.
 */
export async function selectCliBackend(name: BackendName): Promise<void> {
  // PROD silences tfjs's warnings (its "install tfjs-node" banner among them), which would clutter every command.
  tf.env().set('PROD', true);
  if (name === 'webgpu') installNodeWebGPU();
  await useBackend(name);
  if (name === 'webgpu') {
    onGpuFault((fault) => {
      process.stderr.write(`error: ${fault.describe()}\n`);
      process.exit(1);
    });
  }
}

export function releaseCliBackend(): void {
  uninstallNodeWebGPU();
}
