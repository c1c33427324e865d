/**
 * SPF's kernels: subspace power iteration, gate reductions and the fused gated projection. Each op is a dispatcher
 * (WGSL on the webgpu backend, the TypeScript reference elsewhere), a WGSL kernel function, and a reference that is
 * its spec (reference/). See shared/design/SPF.md.
 */
export { powerIteration, powerIterationWebGPU, type PowerIterationResult } from './power-iteration';
export { gateDots, gateDotsWebGPU, type GateDotsResult } from './gate-dots';
export { project, projectWebGPU, type GateInput, type ProjectResult } from './project';
export { blockGeometry, longerSide, type BlockGeometry } from './block-geometry';
export * from './spf-types';
export { referencePowerIteration, type HostPowerIterationResult } from './reference/power-iteration';
export { referenceGateDots, type HostGateDots } from './reference/gate-dots';
export { referenceProject, type HostProjection } from './reference/project';
export { jacobiSvd, type Svd } from './reference/jacobi-svd';
export type { HostArray, HostBlocks } from './reference/host-blocks';
