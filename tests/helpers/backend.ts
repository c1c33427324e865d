import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../../engine/backend';
import { installNodeWebGPU } from '../../node-host/node-webgpu';

/** The backends every engine test runs on: tfjs-cpu and real WebGPU (Dawn over Mesa's lavapipe). */
export const BACKENDS: BackendName[] = ['cpu', 'webgpu'];

export async function setBackend(name: BackendName): Promise<void> {
  if (name === 'webgpu') installNodeWebGPU();
  await useBackend(name);
  if (tf.getBackend() !== name) throw new Error(`expected tfjs backend ${name}, got ${tf.getBackend()}`);
}
