/**
 * Whether the WebGPU adapter the backend runs on is a software one (llvmpipe / lavapipe, SwiftShader): recorded once
 * the webgpu backend is up (software-adapter.ts's tuneForAdapter), read by kernels whose best shape differs between a
 * CPU's few cores and a GPU's many multiprocessors. Undefined before that, or when the adapter could not be asked.
 */
let software: boolean | undefined;

export function isSoftwareAdapterInUse(): boolean | undefined {
  return software;
}

/** Set by tuneForAdapter; tests set it to run a kernel's other variant on this machine's software adapter. */
export function setSoftwareAdapterInUse(value: boolean | undefined): void {
  software = value;
}
