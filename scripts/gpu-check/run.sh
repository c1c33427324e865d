#!/bin/bash
# Runs the packed bench (scripts/gpu-check/pack.mjs) on this machine's GPU through Dawn: the adapter Dawn finds, then
# `bench --shape smollm2-135m`, `--shape qwen2.5-0.5b` and the kernel bench, each as JSON (stdout) and progress
# (stderr) in $OUT (default ./out). Extra bench arguments: SMOL_ARGS, QWEN_ARGS, KERNEL_ARGS. SMOL_ANCHORS4=1 adds
# `--shape smollm2-135m --anchors 4` (SPF as the app runs it, with the four bundled anchors; ~2 more minutes, past one
# 600-s device call together with the rest: run it in a call of its own, e.g. with QWEN_SKIP=1). Stops at once when
# the adapter is a software one (the numbers would mean nothing) unless ALLOW_SOFTWARE=1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/out}
mkdir -p "$out"
cd "$here"
if [ -d debs ] && ! { ldconfig -p | grep -q libvulkan.so.1 && ldconfig -p | grep -q libGLdispatch; }; then
  for f in debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
unpack() { [ -f "$2" ] || python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$1" "$2"; }
unpack dawn.node.xz node_modules/webgpu/dist/linux-x64/dawn.node
NODE=node
if [ -f node.xz ]; then unpack node.xz ./node; chmod +x ./node; NODE=./node; fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$icd" ] && { export VK_DRIVER_FILES=${VK_DRIVER_FILES:-$icd}; break; }
done
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
cat > probe.mjs <<'JS'
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) { console.log('adapter: none'); process.exit(2); }
const { vendor, architecture, device, description } = adapter.info;
console.log('adapter:', JSON.stringify({ vendor, architecture, device, description, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize }));
process.exit(0);
JS
timeout 60 $NODE probe.mjs 2>&1 | tee "$out/adapter.txt"
grep -q '^adapter: {' "$out/adapter.txt" || exit 3
if [ -z "${ALLOW_SOFTWARE:-}" ] && grep -qiE 'llvmpipe|lavapipe|swiftshader|"software"' "$out/adapter.txt"; then
  echo "a software adapter: not a GPU measurement (ALLOW_SOFTWARE=1 to run anyway)"; exit 4
fi
bench() {
  local name=$1 limit=$2; shift 2
  echo "== $name: $*"
  local t0=$SECONDS
  timeout "$limit" $NODE --max-old-space-size=16000 bench.mjs "$@" > "$out/$name.json" 2> "$out/$name.err"
  echo "exit $? after $((SECONDS - t0)) s"
  grep -v 'artificially reduced' "$out/$name.err" | tail -12
  cat "$out/$name.json"
}
bench smol 150 --shape smollm2-135m --backend webgpu --json ${SMOL_ARGS:-}
[ -n "${SMOL_ANCHORS4:-}" ] && bench smol4 150 --shape smollm2-135m --backend webgpu --json --anchors 4 ${SMOL_ARGS:-}
[ -z "${QWEN_SKIP:-}" ] && bench qwen 200 --shape qwen2.5-0.5b --backend webgpu --json ${QWEN_ARGS:-}
bench kernels 150 --backend webgpu --json ${KERNEL_ARGS:-}
