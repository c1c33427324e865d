/**
 * WebGPU in Node through Dawn (the `webgpu` npm package). Must run before the engine selects the webgpu backend:
 * tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when it is imported.
 */
import { availableParallelism } from 'node:os';
import { create, globals } from 'webgpu';

let installed = false;

export function installNodeWebGPU(): void {
  if (installed) return;
  process.env['XDG_RUNTIME_DIR'] ??= '/tmp';
  Object.assign(globalThis, globals);
  const gpu = create([]);
  // hardwareConcurrency as a browser gives it (Node 20 has no navigator): a software adapter's matmul tuning reads it.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, hardwareConcurrency: availableParallelism() }, configurable: true, writable: true });
  installed = true;
}

/** Dawn keeps the event loop alive while `navigator.gpu` is reachable: drop it so Node can exit. */
export function uninstallNodeWebGPU(): void {
  if (!installed) return;
  Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true, writable: true });
  installed = false;
}
