/**
 * Proves the adapter really computes, not merely exists: adds two 4-element vectors in a compute shader and reads the
 * sum back. A broken driver can hand out an adapter and a device and still return zeros or garbage.
 */
export interface SelfTestResult {
  ok: boolean;
  a: number[];
  b: number[];
  expected: number[];
  /** What the GPU returned; empty when it failed before read-back. */
  got: number[];
  /** Why it failed, when it did. */
  error: string | undefined;
}

const A = [1, 2, 3, 4];
const B = [10, 20, 30, 40];

const ADD_SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;        // [4]
@group(0) @binding(1) var<storage, read> b: array<f32>;        // [4]
@group(0) @binding(2) var<storage, read_write> sum: array<f32>; // [4]

@compute @workgroup_size(4)
fn main(@builtin(global_invocation_id) id: vec3u) {
  sum[id.x] = a[id.x] + b[id.x];
}`;

export async function runAddSelfTest(adapter: GPUAdapter): Promise<SelfTestResult> {
  const expected = A.map((x, i) => x + (B[i] ?? Number.NaN));
  const result = (got: number[], error: string | undefined): SelfTestResult => ({
    ok: error === undefined && got.length === expected.length && got.every((g, i) => g === expected[i]),
    a: A,
    b: B,
    expected,
    got,
    error,
  });

  let device: GPUDevice | undefined;
  try {
    device = await adapter.requestDevice();
    device.pushErrorScope('validation');
    const got = await addOnGpu(device);
    const validationError = await device.popErrorScope();
    return result(got, validationError?.message);
  } catch (e) {
    return result([], String(e));
  } finally {
    device?.destroy();
  }
}

async function addOnGpu(device: GPUDevice): Promise<number[]> {
  const bytes = A.length * Float32Array.BYTES_PER_ELEMENT;
  const input = (values: number[]): GPUBuffer => {
    const buffer = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
    new Float32Array(buffer.getMappedRange()).set(values);
    buffer.unmap();
    return buffer;
  };
  const sum = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: ADD_SHADER }), entryPoint: 'main' },
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [input(A), input(B), sum].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });

  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(1);
  pass.end();
  encoder.copyBufferToBuffer(sum, 0, readback, 0, bytes);
  device.queue.submit([encoder.finish()]);

  await readback.mapAsync(GPUMapMode.READ); // sync point: waits for the GPU to finish
  const got = Array.from(new Float32Array(readback.getMappedRange()));
  readback.unmap();
  return got;
}
