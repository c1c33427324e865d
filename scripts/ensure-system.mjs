#!/usr/bin/env node
// `npm test`'s pretest: makes sure the system pieces the tests need are installed (Debian's Chromium for Playwright,
// Mesa >= 25 lavapipe for Dawn); see /work/shared/design/WEBGPU-HERE.md. When all is there it only asks dpkg once
// (a few tens of milliseconds). When something is missing it installs it as root, or prints the commands otherwise.
//
//   node scripts/ensure-system.mjs                         check, install what is missing (root) or explain (others)
//   node scripts/ensure-system.mjs --dry-run               check, print what would be done, change nothing
//   node scripts/ensure-system.mjs --dry-run --assume-missing=chromium,mesa-vulkan-drivers --assume-not-root \
//       --assume-no-backports                              rehearse the install path on a machine that has it all
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  REQUIREMENTS,
  findUnmet,
  parseDpkgQuery,
  parseOsRelease,
  hasBackportsSource,
  deriveBackportsStanza,
  planInstall,
  planAsShell,
} from './lib/system-requirements.mjs';

const options = parseArgs(process.argv.slice(2));
process.exitCode = main(options);

function main({ dryRun, assumeMissing, assumeNotRoot, assumeNoBackports }) {
  const installed = process.platform === 'linux' ? queryInstalled() : undefined;
  if (installed === undefined) {
    console.warn(
      'ensure-system: not a Debian system, so nothing is checked or installed. The tests need Chromium at ' +
        '/usr/bin/chromium and a Vulkan driver Dawn can use (Mesa >= 25 lavapipe, or a real GPU driver).',
    );
    return 0;
  }

  for (const pkg of assumeMissing) installed.delete(pkg);
  const unmet = findUnmet(installed);
  if (unmet.length === 0) {
    console.log(`ensure-system: ok (${REQUIREMENTS.map((r) => `${r.pkg} ${installed.get(r.pkg)}`).join(', ')})`);
    return 0;
  }

  console.log('ensure-system: the tests need system packages that are missing:');
  for (const r of unmet) console.log(`  - ${r.pkg}: ${r.problem} (${r.why})`);

  const { id, codename } = parseOsRelease(readText('/etc/os-release') ?? '');
  if (id !== 'debian' || codename === undefined) {
    console.error(`ensure-system: can only install them on Debian (this is ${id ?? 'unknown'}); install them by hand.`);
    return 1;
  }

  const sources = readAptSources();
  let steps;
  try {
    steps = planInstall(unmet, {
      codename,
      backportsConfigured: !assumeNoBackports && hasBackportsSource(sources, codename),
      backportsStanza: deriveBackportsStanza(sources, codename),
    });
  } catch (e) {
    console.error(`ensure-system: ${e instanceof Error ? e.message : String(e)}.`);
    console.error(`  hint: add a deb822 stanza with 'Suites: ${codename}-backports' under /etc/apt/sources.list.d/.`);
    return 1;
  }

  const isRoot = !assumeNotRoot && process.getuid?.() === 0;
  if (dryRun) {
    console.log(`ensure-system: --dry-run; as ${isRoot ? 'root' : 'a normal user'} this would run (copy-pasteable):`);
    for (const command of planAsShell(steps, { sudo: !isRoot })) console.log(command);
    return 0;
  }
  if (!isRoot) {
    console.error('ensure-system: not root, so nothing was installed. Run these, then `npm test` again:');
    for (const command of planAsShell(steps, { sudo: true })) console.error(command);
    return 1;
  }

  for (const step of steps) {
    if (!runStep(step)) return 1;
  }
  const stillUnmet = findUnmet(queryInstalled() ?? new Map());
  if (stillUnmet.length > 0) {
    console.error('ensure-system: installed, yet still missing:');
    for (const r of stillUnmet) console.error(`  - ${r.pkg}: ${r.problem}`);
    return 1;
  }
  console.log('ensure-system: system packages installed.');
  return 0;
}

function parseArgs(argv) {
  const parsed = { dryRun: false, assumeMissing: [], assumeNotRoot: false, assumeNoBackports: false };
  for (const arg of argv) {
    if (arg === '--dry-run') parsed.dryRun = true;
    else if (arg === '--assume-not-root') parsed.assumeNotRoot = true;
    else if (arg === '--assume-no-backports') parsed.assumeNoBackports = true;
    else if (arg.startsWith('--assume-missing=')) parsed.assumeMissing = arg.split('=')[1].split(',').filter(Boolean);
    else {
      console.error(`ensure-system: unknown argument '${arg}' (known: --dry-run, --assume-missing=a,b, --assume-not-root, --assume-no-backports)`);
      process.exit(2);
    }
  }
  // Pretending is only safe when nothing gets installed.
  const pretends = parsed.assumeMissing.length > 0 || parsed.assumeNotRoot || parsed.assumeNoBackports;
  if (pretends && !parsed.dryRun) {
    console.error('ensure-system: the --assume-* flags only make sense with --dry-run');
    process.exit(2);
  }
  return parsed;
}

function queryInstalled() {
  // dpkg-query exits 1 when any package is unknown, yet still prints the known ones: read stdout either way.
  const result = spawnSync(
    'dpkg-query',
    ['-W', '-f=${Package}\t${db:Status-Status}\t${Version}\n', ...REQUIREMENTS.map((r) => r.pkg)],
    { encoding: 'utf8' },
  );
  if (result.error !== undefined) return undefined; // no dpkg-query: not Debian-like
  return parseDpkgQuery(result.stdout ?? '');
}

function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readAptSources() {
  const sources = new Map();
  const main = readText('/etc/apt/sources.list');
  if (main !== undefined) sources.set('/etc/apt/sources.list', main);
  const dir = '/etc/apt/sources.list.d';
  const names = existsSync(dir) ? readdirSync(dir) : [];
  for (const name of names.filter((n) => n.endsWith('.sources') || n.endsWith('.list')).sort()) {
    const text = readText(join(dir, name));
    if (text !== undefined) sources.set(join(dir, name), text);
  }
  return sources;
}

function runStep(step) {
  if (step.kind === 'write-file') {
    console.log(`ensure-system: writing ${step.path}`);
    try {
      // 'wx': never overwrite a source file someone wrote by hand.
      writeFileSync(step.path, step.contents, { flag: 'wx' });
      return true;
    } catch (e) {
      console.error(`ensure-system: could not write ${step.path}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }
  console.log(`ensure-system: ${step.argv.join(' ')}`);
  const result = spawnSync(step.argv[0], step.argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    console.error(`ensure-system: '${step.argv.join(' ')}' failed (exit ${result.status ?? result.signal}).`);
    return false;
  }
  return true;
}
