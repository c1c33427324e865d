/**
 * How many threads the WebAssembly backend gets in the training worker, and a guard for starting its threaded build.
 *
 * Threads need SharedArrayBuffer, which a browser gives only to a cross-origin isolated page (COOP `same-origin` +
 * COEP `require-corp`: vite.config.ts sends them in dev and preview; README "Hosting" says what a host must send).
 */

/** More threads than this gain little on the model sizes the CPU fallback trains, and each costs a worker. */
export const MAX_WASM_THREADS = 8;

/** What decides the thread count; in the worker: `globalThis` and `navigator`. */
export interface ThreadingEnv {
  crossOriginIsolated: boolean | undefined;
  hasSharedArrayBuffer: boolean;
  hardwareConcurrency: number | undefined;
}

export interface ThreadPlan {
  threads: number;
  /** Why one thread, when that is not this machine's choice; absent when threads > 1. */
  singleReason?: string;
}

/** One thread per logical core, 1 to MAX_WASM_THREADS, where memory can be shared; else one, with the reason. */
export function planWasmThreads(env: ThreadingEnv): ThreadPlan {
  if (env.crossOriginIsolated !== true) return { threads: 1, singleReason: 'the page is not cross-origin isolated' };
  if (!env.hasSharedArrayBuffer) return { threads: 1, singleReason: 'this browser has no SharedArrayBuffer' };
  const cores = env.hardwareConcurrency ?? 1;
  const threads = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(Number.isFinite(cores) ? cores : 1)));
  return threads === 1 ? { threads, singleReason: 'this machine reports one core' } : { threads };
}

/** The environment of the running worker (or page). */
export function currentThreadingEnv(): ThreadingEnv {
  return {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    hasSharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    hardwareConcurrency: typeof navigator === 'undefined' ? undefined : navigator.hardwareConcurrency,
  };
}

/** How long the threaded build may take to start (8 pthread workers load its module) before one thread is used. */
export const THREADED_START_TIMEOUT_MS = 30_000;

/**
 * Runs `start` (the threaded build's initialisation) and rejects, with a reason, when it fails in one of the ways a
 * threaded Emscripten build fails that are not a rejection of `start` itself:
 *  - a pthread worker's script fails (a blocked import, a ReferenceError): its error reaches this scope, where it
 *    would otherwise be an uncaught error that takes the training worker down — and the start never finishes, since
 *    it waits for every pthread worker to load;
 *  - the start does not finish within `timeoutMs`.
 * After a failed start its ErrorEvents stay caught for the life of this scope: that start's workers may still report
 * after the one-thread fallback took over, and they are errors of the abandoned start, not of the fallback. After a
 * successful start they are not: a pthread failing mid-training is an error to see.
 */
export async function guardThreadedStart(start: () => Promise<void>, timeoutMs = THREADED_START_TIMEOUT_MS): Promise<void> {
  type Scope = { addEventListener?: (type: 'error', l: (e: ErrorEvent) => void) => void; removeEventListener?: (type: 'error', l: (e: ErrorEvent) => void) => void };
  const scope = globalThis as Scope;
  let fail: (reason: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {}); // raced below; a failure after success is nobody's to handle
  const onError = (e: ErrorEvent): void => {
    if (!fromPthreadWorker(e)) return;
    e.preventDefault();
    fail(new Error(`a pthread worker failed: ${describeWorkerError(e)}`));
  };
  scope.addEventListener?.('error', onError);
  const timer = setTimeout(() => fail(new Error(`it did not start within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  const started = start();
  // When the guard gives up first, the start may still reject later: that is already reported, not unhandled.
  started.catch(() => {});
  try {
    await Promise.race([started, failed]);
    scope.removeEventListener?.('error', onError);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A pthread worker's failure reaches this scope twice: the browser forwards a nested worker's unhandled error here
 * (its filename is the worker's blob: URL — this worker's own scripts are never blobs), and Emscripten's
 * `worker.onerror` rethrows the worker's ErrorEvent (the error is that event).
 */
function fromPthreadWorker(e: ErrorEvent): boolean {
  return (typeof e.filename === 'string' && e.filename.startsWith('blob:')) || (typeof ErrorEvent !== 'undefined' && e.error instanceof ErrorEvent);
}

function describeWorkerError(e: ErrorEvent): string {
  const inner = typeof ErrorEvent !== 'undefined' && e.error instanceof ErrorEvent ? e.error : e;
  return inner.message || 'an error without a message';
}

/**
 * Makes `navigator.hardwareConcurrency` read `2 × threads` in this scope until the returned function is called.
 *
 * Why: tfjs-wasm 4.22 caps its thread pool at hardwareConcurrency / 2 (its cc/backend.cc assumes two logical cores per
 * physical core), read once, when the wasm module starts. That halves the pool on every machine — and leaves a 2-core
 * one with a single thread — although the count was already chosen here from the same number. Reporting twice the
 * chosen count while the module starts makes the cap the count asked for; `getThreadsCount()` then says what the pool
 * really has. Restoring deletes the own property, and the browser's getter on WorkerNavigator.prototype shows again.
 */
export function reportLogicalCoresFor(threads: number): () => void {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) return () => {};
  Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => 2 * threads });
  return () => {
    Reflect.deleteProperty(nav, 'hardwareConcurrency');
  };
}
