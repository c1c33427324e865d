import * as tf from '@tensorflow/tfjs';
import { SafeTuneError } from './errors';

export type BackendName = 'cpu' | 'webgpu';

/**
 * Selects the tfjs backend. WebGPU's backend registers itself at import time only when `navigator.gpu` exists, so it is
 * imported here, lazily, after the host (a page, a worker, or Node with Dawn) has set `navigator.gpu` up.
 */
export async function useBackend(name: BackendName): Promise<void> {
  if (name === 'webgpu') {
    if (typeof navigator === 'undefined' || !('gpu' in navigator) || navigator.gpu === undefined) {
      throw new SafeTuneError(
        'gpu',
        'WebGPU is not available here',
        'use a browser with WebGPU (Chrome / Edge 113+; on Linux start Chrome with --enable-unsafe-webgpu) or the cpu backend',
      );
    }
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  const ok = await tf.setBackend(name);
  if (!ok) {
    throw new SafeTuneError('gpu', `the tfjs ${name} backend failed to initialise`, name === 'webgpu' ? 'no WebGPU adapter was found; try the cpu backend' : undefined);
  }
  await tf.ready();
}
