import * as tf from '@tensorflow/tfjs';
import type { WorkerState } from './worker-state';

/** What `destroyGpuDevice` saw at the moment it destroyed the device. */
export interface DeviceDestroyedAt {
  step: number | undefined; // steps the current run had completed
  checkpointStep: number | undefined; // the run's last checkpoint then
}

/**
 * Hooks an end-to-end test calls inside the training worker (Playwright's `worker.evaluate`) to cause what a page
 * cannot: the WebGPU device destroyed mid-run, as a driver reset or another library would. Installed on the worker's
 * global as `safetuneTestHooks` only in a test build (the worker entry installs it behind the build-time flag
 * VITE_SAFETUNE_TEST_HOOKS=1, which a production build never sets: the branch and this module are dropped).
 */
export interface WorkerTestHooks {
  /** Calls `device.destroy()` on tfjs's WebGPU device — not SafeTune's own destroy, so the device watch sees a fault. */
  destroyGpuDevice(): DeviceDestroyedAt;
}

export function installWorkerTestHooks(scope: object, state: WorkerState): void {
  const hooks: WorkerTestHooks = {
    destroyGpuDevice() {
      const device = tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as { device?: GPUDevice }).device : undefined;
      if (device === undefined) throw new Error(`destroyGpuDevice: the worker runs on ${tf.getBackend()}, not WebGPU`);
      const at = { step: state.run?.record.step, checkpointStep: state.run?.record.checkpointStep };
      device.destroy();
      return at;
    },
  };
  Object.defineProperty(scope, 'safetuneTestHooks', { value: hooks, configurable: false, enumerable: false, writable: false });
}
