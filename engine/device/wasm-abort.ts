import * as tf from '@tensorflow/tfjs';

/**
 * The most memory tfjs-wasm's module can ever hold: wasm32's 4 GiB less one 64 KiB page (its emscripten glue's
 * getHeapMax()). Past it a malloc fails, and the module aborts instead of returning an error.
 */
export const WASM_HEAP_MAX_BYTES = 4_294_901_760;

/**
 * Whether `e` stopped tfjs-wasm's module for good: a WebAssembly trap (a RuntimeError) while wasm is the backend. Its
 * memory full shows up two ways: an emscripten abort ("Aborted()", e.g. XNNPACK failing to allocate an operator,
 * "XNN status … 6" on stderr just before) or, where tfjs-wasm writes through the null pointer a failed malloc
 * returned, "memory access out of bounds". After either, no call into the module can be trusted.
 */
export function isWasmAbort(e: unknown): e is Error {
  if (!(e instanceof Error) || e.name !== 'RuntimeError') return false;
  return e.message.startsWith('Aborted(') || tf.getBackend() === 'wasm';
}

/** The bytes tfjs-wasm's heap holds now (it only grows), or undefined when wasm is not the active backend. */
export function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap?.buffer.byteLength;
}

/** Bytes as whole MiB with thousands separators ("4,096"), as the heap's messages state them. */
export function wholeMiB(bytes: number): string {
  return Math.round(bytes / 2 ** 20).toLocaleString('en-US');
}

/** What the abort message says, with the heap's size against its ceiling. */
export function describeWasmAbort(e: Error, heapBytes: number | undefined): string {
  const reason = e.message.replace(/\.?\s*Build with -sASSERTIONS for more info\.?/, '').trim() || 'a WebAssembly trap';
  if (heapBytes === undefined) return `tfjs-wasm stopped (${reason})`;
  // The heap grows in steps of up to 96 MiB, so a failed allocation leaves it within a step of the ceiling, or below
  // it by less than the allocation that failed (a 600 MB weight's packed copy): "near" is within 25 %.
  const near = heapBytes >= 0.75 * WASM_HEAP_MAX_BYTES;
  return `tfjs-wasm stopped (${reason}) with its memory at ${wholeMiB(heapBytes)} MiB of the 4 GiB a WebAssembly module can hold${near ? ': it ran out of memory' : ''}`;
}
