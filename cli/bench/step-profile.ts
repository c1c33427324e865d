import * as tf from '@tensorflow/tfjs';

export interface StepProfile {
  kernel_ms: number; // the step's kernels' own time, summed (GPU timestamps on WebGPU)
  matmul_ms: number;
  lora_matmul_ms: number; // matmuls with a LoRA-rank dimension: x·Aᵀ, ·Bᵀ and their gradients
  by_kernel: { name: string; count: number; ms: number }[]; // the 8 costliest kernels
}

/**
 * Where one step's time goes, by kernel, from tf.profile: answers "why is the FLOP rate below the matmul peak" with
 * the split between the base model's matmuls, LoRA's skinny ones (a dimension equal to the rank) and everything else.
 * Undefined where the backend reports no kernel times (WebGPU without timestamp queries).
 */
export async function profileStep(step: () => Promise<unknown>, loraRank: number): Promise<StepProfile | undefined> {
  const info = await tf.profile(async () => {
    await step();
  });
  if (!info.kernels.every((k) => typeof k.kernelTimeMs === 'number')) return undefined;
  const by = new Map<string, { count: number; ms: number }>();
  let total = 0;
  let matmul = 0;
  let lora = 0;
  const backend = tf.getBackend();
  for (const k of info.kernels) {
    // tf.profile also lists each custom-gradient scope (the LoRA delta, the chunked loss) with the time of the kernels
    // inside it, which it lists too: only registered kernels count, or that time would count twice (on CPU backends;
    // WebGPU gives scopes no GPU time).
    if (tf.getKernel(k.name, backend) === undefined) continue;
    const ms = k.kernelTimeMs as number;
    total += ms;
    const e = by.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += ms;
    by.set(k.name, e);
    if (k.name === 'BatchMatMul' || k.name === 'MatMul') {
      matmul += ms;
      const dims = [...k.inputShapes.flatMap((s) => s ?? []), ...(k.outputShapes[0] ?? [])];
      if (dims.includes(loraRank)) lora += ms;
    }
  }
  const byKernel = [...by].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms).slice(0, 8);
  return { kernel_ms: total, matmul_ms: matmul, lora_matmul_ms: lora, by_kernel: byKernel };
}
