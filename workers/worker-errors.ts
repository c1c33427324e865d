import { isSafeTuneError, MAX_ERROR_HINT_CHARS, MAX_ERROR_MESSAGE_CHARS } from '../engine/errors';
import { clipText } from '../engine/util/clip-text';
import { RunError } from '../engine/run/run-errors';
import { backendFailure, type GpuFault } from '../engine/device/gpu-faults';
import { isWasmAbort } from '../engine/device/wasm-abort';
import type { WorkerEvent } from './protocol';

/**
 * Error codes the worker adds to the engine's SafeTuneErrorCode ones (both reach the page as `error.code`):
 * - not-ready: a command needs something not done yet (init, a model, a dataset, a run);
 * - busy: a run is training and the command would change what it trains on;
 * - aborted: the page aborted the request;
 * - device-lost: the GPU device was lost (driver reset, tab in the background too long, another app took the GPU), or
 *   without WebGPU the WebAssembly backend aborted (its 4 GiB of memory full): either way every later command would
 *   fail, and only a reloaded page gets a working backend;
 * - out-of-memory: the GPU ran out of memory;
 * (a run's own codes, diverged and lora-too-wide, come from engine/run/run-errors.ts)
 * - internal: an unexpected exception (a bug).
 */
export type WorkerErrorCode = 'not-ready' | 'busy' | 'aborted' | 'device-lost' | 'out-of-memory' | 'internal';

/** A problem of the worker's state or the run (the engine's problems stay SafeTuneErrors). */
export class WorkerError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

export function isAbortError(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === 'AbortError';
}

/** Any thrown value as the protocol's error event: code, message naming what failed, and what to do. */
export function errorEvent(e: unknown, requestId?: string): Extract<WorkerEvent, { type: 'error' }> {
  const base = requestId === undefined ? {} : { requestId };
  if (isSafeTuneError(e) || e instanceof WorkerError || e instanceof RunError) {
    const hint = e.hint === undefined ? {} : { hint: clipText(e.hint, MAX_ERROR_HINT_CHARS, { keepEnd: 200 }) };
    return { type: 'error', ...base, code: e.code, message: clipText(e.message, MAX_ERROR_MESSAGE_CHARS, { keepEnd: 300 }), ...hint };
  }
  if (isAbortError(e)) return { type: 'error', ...base, code: 'aborted', message: 'the request was cancelled' };
  const gpu = gpuFailure(e);
  if (gpu !== undefined) return errorEvent(gpu, requestId);
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return {
    type: 'error',
    ...base,
    code: 'internal',
    message: clipText(`unexpected error in the training worker: ${message}`, MAX_ERROR_MESSAGE_CHARS, { keepEnd: 300 }),
    hint: 'This is a bug in SafeTune. Reload the page to start clean; please report it with the run record.',
  };
}

const OUT_OF_MEMORY = /out of memory|\boom\b|failed to allocate|allocation failed|maxBufferSize|maxStorageBufferBindingSize|exceeds the (max|limit)/i;
const DEVICE_LOST = /device (was |is )?lost|GPUDevice.*lost|device.*destroyed|context lost/i;

/** An exception that means the GPU itself failed, as a WorkerError; undefined for any other exception. */
export function gpuFailure(e: unknown): WorkerError | undefined {
  if (e instanceof WorkerError) return e.code === 'device-lost' || e.code === 'out-of-memory' ? e : undefined;
  if (isWasmAbort(e)) return wasmAbortError(backendFailure(e)!);
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  if (DEVICE_LOST.test(text)) return deviceLostError(text);
  if (OUT_OF_MEMORY.test(text)) return outOfMemoryError(text);
  return undefined;
}

export function deviceLostError(detail: string): WorkerError {
  return new WorkerError(
    'device-lost',
    `the GPU device was lost (${detail})`,
    'Reload the page; the run resumes from its last checkpoint. Keep the tab in front while training, and close other GPU-heavy tabs.',
  );
}

/** tfjs-wasm's abort (backendFailure's 'wasm-abort' fault): the module is gone, as a lost GPU device's tensors are. */
export function wasmAbortError(fault: GpuFault): WorkerError {
  return new WorkerError('device-lost', fault.message, fault.hint);
}

export function outOfMemoryError(detail: string): WorkerError {
  return new WorkerError(
    'out-of-memory',
    `the GPU ran out of memory (${detail})`,
    'Lower the batch size or the max length (or use gradient accumulation), or pick a smaller model; then resume from the last checkpoint.',
  );
}
