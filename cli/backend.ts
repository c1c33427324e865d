import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../engine/backend';
import { installNodeWebGPU, uninstallNodeWebGPU } from './node-webgpu';

/** Selects the CLI's tfjs backend (webgpu = Dawn in Node). */
export async function selectCliBackend(name: BackendName): Promise<void> {
  // PROD silences tfjs's warnings (its "install tfjs-node" banner among them), which would clutter every command.
  tf.env().set('PROD', true);
  if (name === 'webgpu') installNodeWebGPU();
  await useBackend(name);
}

export function releaseCliBackend(): void {
  uninstallNodeWebGPU();
}
