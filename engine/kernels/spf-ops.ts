/**
 * The three SPF ops as the orchestration (engine/safety) calls them: each runs SafeTune's WGSL kernels on the webgpu
 * backend and the TypeScript reference on any other, with the same signature and the same math.
 */
export { powerIteration, type PowerIterationResult } from './power-iteration';
export { gateDots, gateSums, unpackGateSums, type GateDotsResult } from './gate-dots';
export { project, type GateInput, type ProjectResult } from './project';
