/**
 * The ONE place that touches tfjs-backend-webgpu's internals (STYLE.md). Everything else in engine/kernels imports
 * from here, so a tfjs upgrade that moves these names breaks one file.
 *
 * Type-only imports on purpose: importing the package at runtime registers the webgpu backend as a side effect, and it
 * registers only if `navigator.gpu` already exists at that moment (engine/backend.ts imports it lazily for that
 * reason). A static runtime import from here would run whenever the kernels are imported — e.g. before Node installs
 * Dawn — and the backend would then never register. So the two tiny helpers we need (dispatch size, flat workgroup
 * index) are written out below instead of imported from webgpu_util.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { SafeTuneError } from '../errors';

export type { WebGPUProgram };

/** A program-defined uniform value, in the order the program's `uniforms` string declares it. */
export interface ProgramUniform {
  type: 'int32' | 'uint32' | 'float32';
  data: number[];
}

export function isWebGPUActive(): boolean {
  return tf.getBackend() === 'webgpu';
}

function activeWebGPUBackend(): WebGPUBackend {
  if (!isWebGPUActive()) {
    throw new SafeTuneError('gpu', `the SPF WGSL kernels need the webgpu backend, but tfjs runs on '${tf.getBackend()}'`, 'call the dispatchers (powerIteration, gateDots, project): they fall back to the TypeScript reference on other backends');
  }
  return tf.backend() as unknown as WebGPUBackend;
}

/**
 * Runs a program on tensors where they live (no upload, no read-back) and returns its single output as a tracked
 * tf.Tensor, so tf.tidy / dispose manage it like any other op's result.
 */
export function runProgram(program: WebGPUProgram, inputs: readonly tf.Tensor[], uniforms: ProgramUniform[]): tf.Tensor {
  const backend = activeWebGPUBackend();
  for (const t of inputs) {
    if (t.dtype !== 'float32') {
      throw new SafeTuneError('bad-argument', `${program.constructor.name} takes float32 tensors, got ${t.dtype} [${t.shape.join(', ')}]`, 'cast the gradients to float32 first');
    }
  }
  const info = backend.runWebGPUProgram(program, [...inputs], 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

export function int32Uniform(v: number): ProgramUniform {
  return { type: 'int32', data: [v] };
}

export function uint32Uniform(v: number): ProgramUniform {
  return { type: 'uint32', data: [v >>> 0] };
}

/**
 * The largest buffer a kernel may bind: the device's maxStorageBufferBindingSize (and maxBufferSize) on webgpu,
 * Infinity on other backends (the references work on host arrays).
 */
export function maxBindingBytes(): number {
  if (!isWebGPUActive()) return Infinity;
  const { limits } = activeWebGPUBackend().device;
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}
