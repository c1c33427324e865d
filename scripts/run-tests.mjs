#!/usr/bin/env node
// `npm test`: the typecheck (one test), Vitest, then Playwright; each runner's own output streams to the terminal and
// a JSON report goes to .tmp/. The last line is always `Tests: N passed, N failed` (summed over the runners; see
// scripts/lib/test-summary.mjs for what counts), and the exit code is non-zero when anything failed.
//
//   node scripts/run-tests.mjs              everything
//   node scripts/run-tests.mjs --unit-only  typecheck + Vitest
//   node scripts/run-tests.mjs --e2e-only   Playwright
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countPlaywright, countTypecheck, countVitest, summaryLine, total } from './lib/test-summary.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPORTS = join(ROOT, '.tmp');
const VITEST_REPORT = join(REPORTS, 'vitest-results.json');
const PLAYWRIGHT_REPORT = join(REPORTS, 'playwright-results.json');

const USAGE = 'usage: node scripts/run-tests.mjs [--unit-only | --e2e-only]';

const RUNNERS = [
  { name: 'typecheck', unit: true, run: typecheck },
  { name: 'vitest', unit: true, run: vitest },
  { name: 'playwright', unit: false, run: playwright },
];

main(process.argv.slice(2));

function main(args) {
  const unknown = args.filter((a) => a !== '--unit-only' && a !== '--e2e-only');
  if (unknown.length > 0 || args.length > 1) {
    console.error(unknown.length > 0 ? `run-tests: unknown argument '${unknown[0]}'. ${USAGE}` : USAGE);
    finish([{ passed: 0, failed: 1 }]);
    return;
  }
  const selected = RUNNERS.filter((r) => (args[0] === '--unit-only' ? r.unit : args[0] === '--e2e-only' ? !r.unit : true));

  mkdirSync(REPORTS, { recursive: true });
  ensureRuntimeDir();

  const counts = [];
  const perRunner = [];
  for (const runner of selected) {
    console.log(`\n━━ ${runner.name} ━━`);
    const { counts: c, interrupted } = runner.run();
    counts.push(c);
    perRunner.push(`${runner.name}: ${c.passed} passed, ${c.failed} failed`);
    if (interrupted) {
      console.error(`run-tests: ${runner.name} was interrupted; stopping.`);
      break;
    }
  }
  console.log(`\n${perRunner.join(' | ')}`);
  finish(counts);
}

function finish(counts) {
  const sum = total(counts);
  console.log(summaryLine(sum)); // must stay the last line: CI reads it
  process.exitCode = sum.failed > 0 ? 1 : 0;
}

/** Dawn and Chromium's Vulkan / Wayland code look for XDG_RUNTIME_DIR and complain (or fail) without it. */
function ensureRuntimeDir() {
  if (process.env['XDG_RUNTIME_DIR']) return;
  const dir = join(tmpdir(), `safetune-xdg-runtime-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env['XDG_RUNTIME_DIR'] = dir;
}

function typecheck() {
  const result = run('npm', ['run', '--silent', 'typecheck']);
  return { counts: countTypecheck(result.status), interrupted: wasInterrupted(result) };
}

function vitest() {
  rmSync(VITEST_REPORT, { force: true }); // a report left by an earlier run must not be read as this one's
  const result = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${VITEST_REPORT}`,
  ]);
  return { counts: countVitest(readJson(VITEST_REPORT), result.status), interrupted: wasInterrupted(result) };
}

function playwright() {
  rmSync(PLAYWRIGHT_REPORT, { force: true });
  const result = run(bin('playwright'), ['test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_FILE: PLAYWRIGHT_REPORT,
  });
  return { counts: countPlaywright(readJson(PLAYWRIGHT_REPORT), result.status), interrupted: wasInterrupted(result) };
}

function bin(name) {
  return join(ROOT, 'node_modules', '.bin', name);
}

function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...extraEnv },
  });
  if (result.error !== undefined) {
    console.error(`run-tests: could not start ${command}: ${result.error.message} (hint: run \`npm ci\` first)`);
  }
  return result;
}

function wasInterrupted(result) {
  return result.signal === 'SIGINT' || result.status === 130;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    console.error(`run-tests: no readable report at ${path}; counting the runner as failed.`);
    return undefined;
  }
}
