import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Proves tsconfig.engine.json keeps browser-page and Node APIs out of engine code: probe files are compiled exactly as
// an engine file would be (a temporary tsconfig that extends tsconfig.engine.json), each offending probe beside a
// twin that does the same job the engine way and must compile. One tsc run for all probes keeps this to ~2 s.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const PROBES: Record<string, string> = {
  'uses-document.ts': 'export const title = document.title;\n',
  'uses-document-twin.ts': 'export const where = self.location.href;\n',
  'imports-node-fs.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  'imports-node-fs-twin.ts': 'export const read = (url: string) => fetch(url).then((r) => r.arrayBuffer());\n',
  'imports-react.ts': "import { useState } from 'react';\nexport const hook = useState;\n",
  'imports-react-dom.ts': "import { createRoot } from 'react-dom/client';\nexport const root = createRoot;\n",
  // What engine code is for: tfjs on WebGPU inside a worker. If this stops compiling, the engine config is broken.
  'engine-shaped.ts': [
    "import * as tf from '@tensorflow/tfjs';",
    "import { SafeTuneError } from '../../engine/errors';",
    'export const usage: GPUBufferUsageFlags = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;',
    "export const fail = () => new SafeTuneError('gpu', 'no adapter', 'enable WebGPU');",
    'export const post = (x: tf.Tensor) => self.postMessage(x.shape);',
    '',
  ].join('\n'),
};

/** tsc diagnostics grouped by probe file name; `other` holds any not attributed to a probe (config errors). */
let diagnostics: Map<string, string[]>;
let tscExitCode: number;
let workDir: string;

beforeAll(async () => {
  // Inside the repository (.tmp/ is git-ignored) so that node_modules resolves exactly as it does for engine/.
  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  workDir = await mkdtemp(join(ROOT, '.tmp', 'boundaries-'));
  for (const [name, source] of Object.entries(PROBES)) await writeFile(join(workDir, name), source);
  const tsconfig = { extends: join(ROOT, 'tsconfig.engine.json'), include: [], files: Object.keys(PROBES) };
  await writeFile(join(workDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));

  const run = promisify(execFile);
  const result = await run(process.execPath, [TSC, '--noEmit', '--pretty', 'false', '-p', 'tsconfig.json'], {
    cwd: workDir,
  }).then(
    (ok) => ({ code: 0, stdout: ok.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '' }),
  );
  tscExitCode = result.code;
  diagnostics = new Map();
  for (const line of result.stdout.split('\n').filter((l) => l.includes('error TS'))) {
    const file = /^([\w.-]+\.ts)\(/.exec(line)?.[1] ?? 'other';
    diagnostics.set(file, [...(diagnostics.get(file) ?? []), line]);
  }
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const errorsIn = (file: string) => diagnostics.get(file) ?? [];

describe('tsconfig.engine.json', () => {
  it('runs tsc to a verdict, with every error inside a probe file', () => {
    expect(tscExitCode).toBe(2); // 2: compiled, found errors (the offending probes)
    expect(errorsIn('other')).toEqual([]);
  });

  it('rejects `document` in engine code (no DOM lib)', () => {
    expect(errorsIn('uses-document.ts').join('\n')).toMatch(/error TS2584: Cannot find name 'document'/);
  });

  it('accepts the worker-side twin (self.location)', () => {
    expect(errorsIn('uses-document-twin.ts')).toEqual([]);
  });

  it('rejects node:fs in engine code (no Node types)', () => {
    expect(errorsIn('imports-node-fs.ts').join('\n')).toMatch(/error TS2307: Cannot find module 'node:fs'/);
  });

  it('accepts the fetch-based twin', () => {
    expect(errorsIn('imports-node-fs-twin.ts')).toEqual([]);
  });

  it('accepts engine-shaped code: tfjs, WebGPU types, SafeTuneError, postMessage', () => {
    expect(errorsIn('engine-shaped.ts')).toEqual([]);
  });

  it('rejects React in engine code (paths map react* to a stub that exports nothing usable)', () => {
    expect(errorsIn('imports-react.ts').join('\n')).toMatch(/error TS2305: Module .* has no exported member 'useState'/);
    expect(errorsIn('imports-react-dom.ts').join('\n')).toMatch(/error TS2305: Module .* has no exported member 'createRoot'/);
  });
});
