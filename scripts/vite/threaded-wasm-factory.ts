/**
 * Keeps tfjs-backend-wasm's multi-threaded build working once bundled.
 *
 * Why: tfjs starts each pthread worker from the *source text* of its Emscripten factory —
 * `new Blob(['var WasmBackendModuleThreadedSimd = ' + factory.toString()])` (dist/backend_wasm.js, `init`) — and the
 * worker runs that text on its own, outside the bundle. The factory is an inner function that reads its file's
 * `_scriptDir`; the original guards that with `typeof _scriptDir !== "undefined"`, but once bundled and minified the
 * guard becomes `e!==void 0&&e` (the minifier knows `e` is declared — in the bundle), and in the worker, where it is
 * not, that throws "ReferenceError: e is not defined" and the pthread never loads. Dev's dependency pre-bundling
 * rewrites the same file, so neither `vite` nor `vite build` can be trusted to leave that text alone.
 *
 * What: the factory keeps working in the bundle (the training worker calls it); only what `toString()` returns is
 * replaced — by the file's own, unbundled text, embedded as a string literal, which no minifier rewrites. The text is
 * wrapped so that it is one self-contained expression yielding the factory (tfjs prefixes `var … = `).
 *
 * Chosen over the alternatives because it follows the package's own design (a Blob from text) and touches one known
 * file: serving the factory as a separate asset would still need tfjs to pass its URL, which it does not (it always
 * builds the Blob itself), and patching node_modules does not survive a clean install.
 */

/** The one file this plugin rewrites: the threaded (SIMD + pthreads) Emscripten glue of tfjs-backend-wasm. */
const THREADED_FACTORY_FILE = '/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
/** The global the file declares and the pthread worker script calls (`WasmBackendModuleThreadedSimd(Module)`). */
const FACTORY_NAME = 'WasmBackendModuleThreadedSimd';

/** A plugin shape both Vite's build and its dependency pre-bundler (Rolldown) accept. */
export interface SourceTransformPlugin {
  name: string;
  transform(code: string, id: string): { code: string; map: null } | null;
}

/** Whether a module id (an absolute path, maybe with a query, maybe with Windows separators) is the threaded glue. */
export function isThreadedFactory(id: string): boolean {
  return id.split('?')[0]!.replaceAll('\\', '/').endsWith(THREADED_FACTORY_FILE);
}

/**
 * The file's code with one statement appended: the factory's `toString` returns an expression that evaluates, in a
 * bare worker, to the same factory built from the file's own text. Throws, naming the file, when the file no longer
 * declares the factory the way this relies on (a tfjs upgrade): better a failed build than threads that hang.
 */
export function withSelfContainedToString(code: string, id: string): string {
  if (!new RegExp(`^var ${FACTORY_NAME} = `, 'm').test(code)) {
    throw new Error(
      `${id}: expected a top-level "var ${FACTORY_NAME} = …" (tfjs-backend-wasm 4.x's Emscripten glue); ` +
        'scripts/vite/threaded-wasm-factory.ts must be updated for this tfjs-backend-wasm version',
    );
  }
  // The file's exports tail (`if (typeof exports === 'object' …)`) finds no exports / define in a worker: a no-op.
  const selfContained = `(() => {\n${code}\nreturn ${FACTORY_NAME};\n})()`;
  return `${code}\n;${FACTORY_NAME}.toString = () => ${JSON.stringify(selfContained)};\n`;
}

export function threadedWasmFactory(): SourceTransformPlugin {
  return {
    name: 'safetune:threaded-wasm-factory',
    transform(code, id) {
      if (!isThreadedFactory(id)) return null;
      return { code: withSelfContainedToString(code, id), map: null };
    },
  };
}
