import { runAddSelfTest, type SelfTestResult } from './runAddSelfTest';

/** What the page learned about WebGPU: enough to decide whether training can run here, and to explain why not. */
export type WebGpuReport =
  | { status: 'available'; adapter: AdapterSummary; selfTest: SelfTestResult }
  | { status: 'unavailable'; reason: UnavailableReason; detail: string };

export type UnavailableReason = 'insecure-context' | 'no-webgpu' | 'no-adapter' | 'adapter-error';

export interface AdapterSummary {
  /** A human-readable name, or undefined when the browser withholds it (Chrome blanks adapter.info by default). */
  name: string | undefined;
  vendor: string;
  architecture: string;
  isFallbackAdapter: boolean;
  /** 'compatibility' adapters (e.g. ANGLE on OpenGL ES) lack some core features and limits. */
  featureLevel: 'core' | 'compatibility';
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  shaderF16: boolean;
  subgroups: boolean;
}

export async function probeWebGpu(): Promise<WebGpuReport> {
  if (!globalThis.isSecureContext) {
    return { status: 'unavailable', reason: 'insecure-context', detail: `${location.origin} is not a secure context` };
  }
  if (!('gpu' in navigator)) {
    return { status: 'unavailable', reason: 'no-webgpu', detail: 'navigator.gpu is undefined' };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await navigator.gpu.requestAdapter();
  } catch (e) {
    return { status: 'unavailable', reason: 'adapter-error', detail: `requestAdapter() threw: ${String(e)}` };
  }
  if (adapter === null) {
    return { status: 'unavailable', reason: 'no-adapter', detail: 'navigator.gpu.requestAdapter() returned null' };
  }
  return { status: 'available', adapter: summarize(adapter), selfTest: await runAddSelfTest(adapter) };
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const { info, limits, features } = adapter;
  const named = [info.description, info.device, [info.vendor, info.architecture].filter(Boolean).join(' ')];
  return {
    name: named.find((n) => n !== '') ?? undefined,
    vendor: info.vendor,
    architecture: info.architecture,
    isFallbackAdapter: info.isFallbackAdapter,
    featureLevel: features.has('core-features-and-limits') ? 'core' : 'compatibility',
    maxBufferSize: limits.maxBufferSize,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    shaderF16: features.has('shader-f16'),
    subgroups: features.has('subgroups'),
  };
}
