import { SafeTuneError } from '../errors';
import { describeWasmAbort, isWasmAbort, wasmHeapBytes } from './wasm-abort';

/**
 * What the GPU reported: WebGPU's error filters, plus the device itself going away; or, without WebGPU, tfjs-wasm's
 * module aborting (its memory full), which like a lost device ends every tensor and kernel of the process.
 */
export type GpuFaultKind = 'validation' | 'out-of-memory' | 'internal' | 'device-lost' | 'wasm-abort';

const HINTS: Record<GpuFaultKind, string> = {
  validation: 'a tensor or kernel exceeded what this GPU accepts; try a smaller model, batch or max length, or report it as a bug with this line',
  'out-of-memory': 'lower the batch size or the max length, or pick a smaller model; then resume from the last checkpoint',
  internal: 'the GPU driver failed; retry, and if it persists use another backend (--backend wasm)',
  'device-lost': 'the GPU device was lost (driver reset, another app, or the tab in the background); resume from the last checkpoint',
  'wasm-abort':
    'without WebGPU, training runs in WebAssembly, whose memory is capped at 4 GiB and holds the float32 weights plus a packed copy of each weight matrix it multiplies by: ' +
    'pick a smaller model, or a smaller batch or max length, or train with WebGPU (--backend webgpu; in the app, a browser with WebGPU). ' +
    'The backend cannot run again in this process: the run resumes from its last checkpoint in a new one (reload the page, or train --resume)',
};

const LABELS: Record<GpuFaultKind, string> = {
  validation: 'WebGPU validation error',
  'out-of-memory': 'WebGPU out-of-memory error',
  internal: 'WebGPU internal error',
  'device-lost': 'WebGPU device lost',
  'wasm-abort': 'WebAssembly backend aborted',
};

/**
 * A fault the GPU reported. Whatever ran when it happened computed garbage (a kernel that fails validation is simply
 * not run), so a fault is fatal to the command or the run step: the run loop pauses, keeping its last checkpoint.
 */
export class GpuFault extends SafeTuneError {
  readonly kind: GpuFaultKind;
  constructor(kind: GpuFaultKind, detail: string) {
    // Dawn's messages run over several lines ("- While calling ..."): one line keeps terminal and toast readable.
    const oneLine = detail.replace(/\s*\n\s*/g, ' ').trim() || 'no details given';
    super('gpu', `${LABELS[kind]}: ${oneLine}`, HINTS[kind]);
    this.name = 'GpuFault';
    this.kind = kind;
  }
}

export function isGpuFault(e: unknown): e is GpuFault {
  return e instanceof GpuFault;
}

let firstFault: GpuFault | undefined;
const listeners = new Set<(fault: GpuFault) => void>();
const watched = new WeakSet<object>();
/** Devices SafeTune destroyed itself (destroyGpuDevice): their loss is the end we asked for, not a fault. */
const destroyedByUs = new WeakSet<object>();

function record(fault: GpuFault): void {
  if (firstFault !== undefined) return; // later errors are usually consequences of the first
  firstFault = fault;
  for (const l of listeners) l(fault);
}

function kindOf(error: GPUError): GpuFaultKind {
  if (typeof GPUOutOfMemoryError !== 'undefined' && error instanceof GPUOutOfMemoryError) return 'out-of-memory';
  if (typeof GPUInternalError !== 'undefined' && error instanceof GPUInternalError) return 'internal';
  return 'validation';
}

/**
 * Listens to a device for every fault WebGPU can report outside an error scope: `uncapturederror` (validation,
 * out-of-memory, internal) and `lost`. Errors stop being printed by the browser / Dawn (preventDefault): the caller
 * reports the fault once, as a GpuFault.
 */
export function watchGpuDevice(device: GPUDevice): void {
  if (watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => {
    // Reason 'destroyed' only says someone called destroy(): only our own call (destroyGpuDevice) is not a failure.
    // A destroy by anyone else (a library, an extension, a test hook) took the tensors of the step in flight with it.
    if (info.reason === 'destroyed' && destroyedByUs.has(device)) return;
    const detail = info.message || 'no details given';
    record(new GpuFault('device-lost', info.reason === 'destroyed' ? `${detail} (destroyed by a call SafeTune did not make)` : detail));
  });
  if (typeof device.addEventListener !== 'function') return;
  device.addEventListener('uncapturederror', (event) => {
    const e = event as GPUUncapturedErrorEvent;
    e.preventDefault();
    record(new GpuFault(kindOf(e.error), e.error.message));
  });
}

/**
 * Destroys `device` as SafeTune's own decision (releasing a backend for good): the watch then takes the device's
 * `lost` (reason 'destroyed') as the end it is, not as a fault. Every other destroy of a watched device is a fault.
 */
export function destroyGpuDevice(device: GPUDevice): void {
  destroyedByUs.add(device);
  device.destroy();
}

/**
 * The fault behind an exception, if it is one: a GpuFault as thrown, or tfjs-wasm's abort as a 'wasm-abort' fault,
 * recorded as the process's first fault (gpuFault(), onGpuFault) since the module cannot run again. Any other
 * exception: undefined. Run hosts take it as asGpuFailure: the run pauses at its last checkpoint instead of failing.
 */
export function backendFailure(e: unknown): GpuFault | undefined {
  if (e instanceof GpuFault) return e;
  if (!isWasmAbort(e)) return undefined;
  if (firstFault?.kind === 'wasm-abort') return firstFault; // later calls into the dead module abort again
  const fault = new GpuFault('wasm-abort', describeWasmAbort(e, wasmHeapBytes()));
  record(fault);
  return fault;
}

/** The first fault reported since the process started (or since clearGpuFault), if any. */
export function gpuFault(): GpuFault | undefined {
  return firstFault;
}

/**
 * Throws the first recorded fault. The run loop calls it after each step's read-back (a sync point, by which the
 * step's errors have been delivered): a step that faulted must not be taken as a result.
 */
export function throwIfGpuFault(): void {
  if (firstFault !== undefined) throw firstFault;
}

/** Forgets the recorded fault: only after the device has been replaced (a fresh backend) and the run resumes. */
export function clearGpuFault(): void {
  firstFault = undefined;
}

/** Calls `listener` on the first fault (at once if one was already recorded). Returns the unsubscribe function. */
export function onGpuFault(listener: (fault: GpuFault) => void): () => void {
  listeners.add(listener);
  if (firstFault !== undefined) listener(firstFault);
  return () => listeners.delete(listener);
}

/**
 * Runs `fn` inside validation / out-of-memory / internal error scopes of `device` and throws the first error they
 * caught as a GpuFault. For one command's GPU work where the error must be tied to it (the CLI's logits, a bench).
 */
export async function withGpuErrorScopes<T>(device: GPUDevice, fn: () => Promise<T>): Promise<T> {
  const filters: GPUErrorFilter[] = ['internal', 'out-of-memory', 'validation'];
  for (const f of filters) device.pushErrorScope(f);
  let result: T | undefined;
  let thrown: unknown;
  try {
    result = await fn();
  } catch (e) {
    thrown = e;
  }
  const errors = [];
  for (let i = filters.length - 1; i >= 0; i--) errors.push(await device.popErrorScope());
  const error = errors.find((e) => e !== null);
  if (error) throw new GpuFault(kindOf(error), error.message);
  if (thrown !== undefined) throw thrown;
  throwIfGpuFault();
  return result as T;
}
