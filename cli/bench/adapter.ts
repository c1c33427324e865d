import * as tf from '@tensorflow/tfjs';
import { isSoftwareAdapter, type AdapterIdentity } from '../../engine/device/software-adapter';

export interface AdapterDescription {
  backend: string;
  description: string; // "llvmpipe (LLVM 19.1.7, 256 bits) / mesa" or "tfjs-cpu"
  software: boolean; // a CPU rasteriser (llvmpipe / lavapipe / SwiftShader) or tfjs-cpu: the bench scales down
}

export async function describeAdapter(): Promise<AdapterDescription> {
  const backend = tf.getBackend();
  if (backend !== 'webgpu') return { backend, description: `tfjs-${backend}`, software: true };
  const adapter = await navigator.gpu.requestAdapter();
  const info = adapter?.info;
  const parts = [info?.description, info?.device, info?.vendor, info?.architecture].filter((s): s is string => typeof s === 'string' && s !== '');
  const description = parts.length > 0 ? [...new Set(parts)].join(' / ') : 'unknown WebGPU adapter';
  return { backend, description, software: info !== undefined && isSoftwareAdapter(info as AdapterIdentity) };
}
