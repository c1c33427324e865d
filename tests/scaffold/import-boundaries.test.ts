import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findBoundaryViolations, type SourceFile } from './boundary-rules';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function sourcesUnder(folder: string): Promise<SourceFile[]> {
  const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile() && /\.tsx?$/.test(e.name));
  return Promise.all(
    files.map(async (e) => {
      const absolute = join(e.parentPath, e.name);
      return { path: relative(ROOT, absolute).split(sep).join('/'), source: await readFile(absolute, 'utf8') };
    }),
  );
}

describe('boundary rules', () => {
  it('flag each kind of forbidden import', () => {
    const files: SourceFile[] = [
      { path: 'engine/model/a.ts', source: "import { useState } from 'react';" },
      { path: 'engine/model/b.ts', source: "import { jsx } from 'react/jsx-runtime';" },
      { path: 'engine/weights/c.ts', source: "import { readFile } from 'node:fs/promises';" },
      { path: 'engine/weights/d.ts', source: "const fs = await import('fs');" },
      { path: 'engine/train/e.ts', source: "export { useStore } from '../../app/store/run';" },
      { path: 'engine/train/f.ts', source: "import type { Msg } from '../../workers/protocol';" },
      { path: 'workers/g.ts', source: "import { App } from '../app/App';" },
      { path: 'app/h.tsx', source: "import * as tf from '@tensorflow/tfjs';" },
      { path: 'app/components/i.tsx', source: "import { train } from '../../engine/train/trainer';" },
      { path: 'app/j.ts', source: "import './../workers/trainer.worker';" },
      { path: 'engine/run/k.ts', source: "import { DirectoryStore } from '../../node-host/directory-store';" },
      { path: 'workers/l.ts', source: "import { DirectoryFiles } from '../node-host/fs-files';" },
      { path: 'node-host/m.ts', source: "import { trainCommand } from '../cli/commands/train';" },
      { path: 'node-host/n.ts', source: "import type { WorkerEvent } from '../workers/protocol';" },
      { path: 'scripts/experiment/o.ts', source: "import { parseCommandArgs } from '../../cli/commands/train-options';" },
    ];
    const flagged = findBoundaryViolations(files).map((v) => v.path);
    expect(flagged).toEqual(files.map((f) => f.path));
  });

  it('let through what each side may import', () => {
    const files: SourceFile[] = [
      { path: 'engine/model/a.ts', source: "import * as tf from '@tensorflow/tfjs';\nimport { x } from '../errors';" },
      { path: 'workers/trainer.worker.ts', source: "import { train } from '../engine/train/trainer';" },
      { path: 'app/store/run.ts', source: "import type { Msg } from '../../workers/protocol';\nimport 'react';" },
      { path: 'cli/main.ts', source: "import { readFile } from 'node:fs/promises';" },
      { path: 'cli/commands/train.ts', source: "import { DirectoryStore } from '../../node-host/directory-store';" },
      { path: 'node-host/fs-files.ts', source: "import { open } from 'node:fs/promises';\nimport { SafeTuneError } from '../engine/errors';" },
      { path: 'scripts/experiment/main.ts', source: "import { selectCliBackend } from '../../node-host/backend';\nimport { DirectoryFiles } from '../../node-host/fs-files';" },
    ];
    expect(findBoundaryViolations(files)).toEqual([]);
  });

  it('hold in engine/, workers/, app/, node-host/, cli/ and scripts/ as they are now', async () => {
    const files = (await Promise.all(['engine', 'workers', 'app', 'node-host', 'cli', 'scripts'].map(sourcesUnder))).flat();
    expect(files.length).toBeGreaterThan(0);
    expect(findBoundaryViolations(files)).toEqual([]);
  });
});
