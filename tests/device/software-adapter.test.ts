import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { setBackend } from '../helpers/backend';
import { isSoftwareAdapter, matmulWorkgroupThreshold } from '../../engine/device/software-adapter';

describe('software adapters', () => {
  test('CPU rasterisers are recognised by any of the fields browsers and Dawn fill; GPUs are not', () => {
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: '', architecture: '', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'intel', architecture: 'gen-12lp', isFallbackAdapter: false })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });

  test("tfjs's matmul workgroup threshold is the core count on a software adapter and untouched on a GPU", () => {
    expect(matmulWorkgroupThreshold({ architecture: 'software' }, 2)).toBe(2);
    expect(matmulWorkgroupThreshold({ architecture: 'software' }, 16)).toBe(16);
    expect(matmulWorkgroupThreshold({ architecture: 'software' }, undefined)).toBe(1);
    expect(matmulWorkgroupThreshold({ vendor: 'amd', architecture: 'rdna-3' }, 16)).toBeUndefined();
  });

  test('selecting webgpu on lavapipe sets the threshold to the machine\'s cores, and small products stay exact', async () => {
    await setBackend('webgpu');
    expect(tf.env().getNumber('WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL')).toBe(availableParallelism());
    // [16, 1024]·[1024, 128]: 4 output tiles, which tfjs's default sends to its small-output program and this setting
    // to its tiled one; the product must not care.
    const a = tf.randomNormal([1024, 16], 0, 1, 'float32', 1);
    const b = tf.randomNormal([1024, 128], 0, 1, 'float32', 2);
    const got = await tf.matMul(a, b, true, false).data();
    const [ah, bh] = [await a.data(), await b.data()];
    let worst = 0;
    for (const [i, j] of [[0, 0], [7, 100], [15, 127]] as const) {
      let s = 0;
      for (let k = 0; k < 1024; k++) s += ah[k * 16 + i]! * bh[k * 128 + j]!;
      worst = Math.max(worst, Math.abs(got[i * 128 + j]! - s));
    }
    expect(worst).toBeLessThan(1e-3);
  });
});
