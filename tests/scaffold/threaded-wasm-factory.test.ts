import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { expect, test } from 'vitest';
import { isThreadedFactory, threadedWasmFactory, withSelfContainedToString } from '../../scripts/vite/threaded-wasm-factory';

const FILE = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');

test('the plugin picks out the threaded glue, whatever the path style or query', () => {
  expect(isThreadedFactory(FILE)).toBe(true);
  expect(isThreadedFactory(`${FILE}?v=1234`)).toBe(true);
  expect(isThreadedFactory('C:\\app\\node_modules\\@tensorflow\\tfjs-backend-wasm\\wasm-out\\tfjs-backend-wasm-threaded-simd.js')).toBe(true);
  expect(isThreadedFactory(FILE.replace('threaded-simd.js', 'simd.js'))).toBe(false);
  expect(threadedWasmFactory().transform('var x = 1;', '/src/other.js')).toBeNull();
});

test("the factory's toString() is the file's own text, self-contained: what tfjs puts in the pthread workers' Blob", () => {
  const code = readFileSync(FILE, 'utf8');
  const transformed = threadedWasmFactory().transform(code, FILE)!.code;
  // The module as a bundle runs it (CommonJS): the factory it exports still works there, untouched.
  const module = { exports: {} as unknown };
  runInNewContext(transformed, { module, exports: module.exports });
  const factory = module.exports as () => unknown;
  expect(typeof factory).toBe('function');
  // What tfjs-backend-wasm's init() builds the Blob from, run as the pthread worker would: a bare global scope with
  // none of the bundle's names (no module, exports, require, _scriptDir).
  const blob = `var WasmBackendModuleThreadedSimd = ${factory.toString()}`;
  const worker: Record<string, unknown> = {};
  runInNewContext(blob, worker);
  expect(typeof worker['WasmBackendModuleThreadedSimd']).toBe('function');
  expect(String(worker['WasmBackendModuleThreadedSimd'])).toContain('function(WasmBackendModuleThreadedSimd)');
  // The text is the file's own, not a minified copy of it (the bug this plugin exists for).
  expect(factory.toString()).toContain(code);
});

test('a glue file laid out differently (another tfjs-backend-wasm version) fails the build, naming the file', () => {
  expect(() => withSelfContainedToString('export default function factory() {}', '/x/tfjs-backend-wasm-threaded-simd.js')).toThrow(
    /\/x\/tfjs-backend-wasm-threaded-simd\.js: expected a top-level "var WasmBackendModuleThreadedSimd = …"/,
  );
});
