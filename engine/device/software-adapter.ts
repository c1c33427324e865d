import * as tf from '@tensorflow/tfjs';
import { setSoftwareAdapterInUse } from './adapter-kind';

/** What a WebGPU adapter says about itself (GPUAdapterInfo's fields; every one may be missing or empty). */
export interface AdapterIdentity {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** A CPU rasteriser behind WebGPU (Mesa's llvmpipe / lavapipe, SwiftShader): its compute units are the CPU's cores. */
export function isSoftwareAdapter(info: AdapterIdentity): boolean {
  if (info.isFallbackAdapter === true) return true;
  const words = [info.vendor, info.architecture, info.device, info.description].filter((s) => typeof s === 'string').join(' ');
  return /llvmpipe|lavapipe|swiftshader|\bsoftware\b|\bcpu\b/i.test(words);
}

/**
 * tfjs-webgpu's workgroup threshold for matmuls on this adapter, or undefined to keep tfjs's own (8, or 16 on recent
 * Intel GPUs). At or below that many 32×32 output tiles tfjs switches to programs that cut the work into more, smaller
 * workgroups (small output tiles, split K), sized to fill a GPU's dozens of compute units. A software adapter runs
 * workgroups on the CPU's cores, so more than one per core only adds barriers and passes over memory: on lavapipe with
 * 2 cores a 48-token anchor's forward and backward pass took 257 ms with tfjs's threshold and 122 ms with the threshold
 * at the core count, the bench's 1,024-token LoRA step 1,867 vs 1,798 ms (.tmp measurement in one run, alternating).
 */
export function matmulWorkgroupThreshold(info: AdapterIdentity, cores: number | undefined): number | undefined {
  if (!isSoftwareAdapter(info)) return undefined;
  return Math.max(1, Math.floor(cores ?? 1));
}

/**
 * Applies the adapter-specific tfjs-webgpu settings; called once the webgpu backend is up. A speed setting only: if
 * the adapter cannot be asked again, tfjs's defaults stay and the backend runs as it is.
 */
export async function tuneForAdapter(): Promise<void> {
  // The adapter tfjs-webgpu asked for (it requests high-performance unless told to save power).
  const lowPower = tf.env().getBool('WEBGPU_USE_LOW_POWER_GPU');
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: lowPower ? 'low-power' : 'high-performance' }).catch(() => null);
  setSoftwareAdapterInUse(undefined);
  if (adapter === null) return;
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  setSoftwareAdapterInUse(isSoftwareAdapter(info));
  const threshold = matmulWorkgroupThreshold(info, typeof navigator.hardwareConcurrency === 'number' ? navigator.hardwareConcurrency : undefined);
  if (threshold !== undefined) tf.env().set('WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL', threshold);
}
