import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';

// The import rules of ARCHITECTURE.md ("Boundaries"), checked on source text. The layers, bottom up: engine/ (plain
// TypeScript on tfjs; engine/run/ is the one training run) ← workers/ (the browser host: messaging, OPFS) ← app/ (only
// through workers/protocol.ts); engine/ ← node-host/ (the Node host: file system, folder stores, args) ← cli/, scripts/. The compiler enforces the DOM / Node
// globals per side (boundaries.test.ts); these rules cover what it cannot see: which packages and which of our folders
// a file may import from.

export interface SourceFile {
  /** Repository-relative, forward slashes: 'engine/model/llama.ts'. */
  path: string;
  source: string;
}

export interface Violation {
  path: string;
  specifier: string;
  rule: string;
}

const NODE_BUILTINS = new Set(builtinModules);

const isReact = (s: string) => /^react(-dom)?(\/|$)/.test(s);
const isNode = (s: string) => s.startsWith('node:') || NODE_BUILTINS.has(s.split('/')[0] ?? s);
const isTfjs = (s: string) => s.startsWith('@tensorflow/');

/** The repository folder a relative import lands in ('engine', 'app', ...), or undefined for a package import. */
function targetFolder(fromPath: string, specifier: string): { folder: string; path: string } | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const path = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
  return { folder: path.split('/')[0] ?? '', path };
}

function violationOf(file: SourceFile, specifier: string): string | undefined {
  const side = file.path.split('/')[0];
  const target = targetFolder(file.path, specifier);
  if (side === 'engine' || side === 'workers') {
    if (isReact(specifier)) return `${side}/ must not import React (it runs in a worker and in Node)`;
    if (isNode(specifier)) return `${side}/ must not import Node built-ins (it runs in the browser); use cli/`;
    if (target && ['app', 'cli', 'node-host', 'scripts'].includes(target.folder)) return `${side}/ must not import from ${target.folder}/`;
    if (side === 'engine' && target?.folder === 'workers') return 'engine/ must not import from workers/';
  }
  if (side === 'node-host') {
    // The Node adapters (file system, folder stores, args, bundled files on disk) sit under cli/ and scripts/.
    if (isReact(specifier)) return 'node-host/ must not import React';
    if (target && ['app', 'workers', 'cli', 'scripts'].includes(target.folder)) return `node-host/ must not import from ${target.folder}/ (cli/ and scripts/ import node-host/, not the other way)`;
  }
  if (side === 'scripts' && target?.folder === 'cli') {
    return 'scripts/ take their Node adapters from node-host/, not cli/';
  }
  if (side === 'app') {
    if (isTfjs(specifier)) return 'app/ must not import tfjs: the engine runs in the worker';
    if (target?.folder === 'engine') return 'app/ reaches the engine only through workers/protocol.ts messages';
    if (target?.folder === 'workers' && target.path.replace(/\.ts$/, '') !== 'workers/protocol') {
      return 'app/ may import only workers/protocol.ts from workers/';
    }
  }
  return undefined;
}

/** Every import (static, dynamic, re-export, require) of `files` that breaks the boundary rules. */
export function findBoundaryViolations(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(file.source, true, true);
    for (const { fileName: specifier } of importedFiles) {
      const rule = violationOf(file, specifier);
      if (rule !== undefined) violations.push({ path: file.path, specifier, rule });
    }
  }
  return violations;
}
