#!/usr/bin/env node
// Packs `npm run bench` into a self-contained folder for a Linux x86-64 machine with a GPU but no npm (and possibly
// no Node, no Vulkan loader): one esbuild bundle of cli/bench/main.ts, Dawn's addon (the `webgpu` package), this Node
// binary and the Vulkan loader's Debian packages (with libglvnd's: NVIDIA's Vulkan driver lives in libGLX_nvidia,
// which needs them), the large files xz-compressed. `run.sh` in the folder unpacks them and runs the bench at both
// real shapes and the kernel bench, each result to $OUT (or ./out). See README "On a real GPU".
//
//   node scripts/gpu-check/pack.mjs DIR [--no-node] [--no-debs]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
if (dir === undefined) {
  console.error('usage: node scripts/gpu-check/pack.mjs DIR [--no-node] [--no-debs]');
  process.exit(2);
}
const out = resolve(dir);
const VULKAN_DEBS = ['libvulkan1', 'libglvnd0', 'libglx0', 'libgl1', 'libegl1', 'libgles2', 'libopengl0'];

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

function xz(from, to) {
  run('sh', ['-c', `xz -T1 -6 -c "${from}" > "${to}"`]);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'node_modules/webgpu/dist/linux-x64'), { recursive: true });
// One bundle; tfjs and the engine inside, the native addon outside. `require` for the CommonJS parts of tfjs.
run(join(root, 'node_modules/.bin/esbuild'), [
  join(root, 'cli/bench/main.ts'), '--bundle', '--platform=node', '--format=esm', '--target=node20', '--external:webgpu', '--log-level=warning',
  `--outfile=${join(out, 'bench.mjs')}`, "--banner:js=import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
]);
const webgpu = join(root, 'node_modules/webgpu');
for (const f of ['index.js', 'package.json']) copyFileSync(join(webgpu, f), join(out, 'node_modules/webgpu', f));
xz(join(webgpu, 'dist/linux-x64/dawn.node'), join(out, 'dawn.node.xz'));
if (!args.includes('--no-node')) xz(process.execPath, join(out, 'node.xz'));
if (!args.includes('--no-debs')) {
  mkdirSync(join(out, 'debs'));
  const lists = join(out, '.apt-lists');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
  run('apt-get', [...o, 'update', '-qq']);
  run('apt-get', [...o, 'download', ...VULKAN_DEBS], { cwd: join(out, 'debs') });
  rmSync(lists, { recursive: true, force: true });
}
copyFileSync(join(root, 'scripts/gpu-check/run.sh'), join(out, 'run.sh'));
console.log(`packed into ${out}: bash ${join(out, 'run.sh')} there (as root when it must unpack the Vulkan loader)`);
