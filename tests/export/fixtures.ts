import type { ModelConfig } from '../../engine/model/config';
import { DEFAULT_LORA_CONFIG, modulePath, projectionShape, type HostLoraWeights, type LoraConfig } from '../../engine/model/lora';
import { mulberry32 } from '../../engine/util/random';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { writeSafetensors, type TensorToWrite } from '../../engine/weights/safetensors-writer';

/** An adapter with random A and B (B non-zero, unlike a fresh one, so merging changes the weights). */
export function randomHost(model: ModelConfig, lora: Partial<LoraConfig>, seed: number): HostLoraWeights {
  const config: LoraConfig = { ...DEFAULT_LORA_CONFIG, targets: [...DEFAULT_LORA_CONFIG.targets], ...lora };
  const rand = mulberry32(seed);
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => 0.6 * rand() - 0.3);
  const modules: HostLoraWeights['modules'] = new Map();
  for (let layer = 0; layer < model.numLayers; layer++) {
    for (const target of config.targets) {
      const [out, inn] = projectionShape(model, target);
      modules.set(modulePath(layer, target), { A: fill(config.r * inn), B: fill(out * config.r), aShape: [config.r, inn], bShape: [out, config.r] });
    }
  }
  return { config, modules };
}

/** An adapter folder in memory from a config object and raw tensors: for files PEFT (or a hand) could have written. */
export function adapterFolder(config: Record<string, unknown>, tensors: TensorToWrite[]): MemoryFiles {
  return new MemoryFiles(
    { 'adapter_config.json': new TextEncoder().encode(JSON.stringify(config)), 'adapter_model.safetensors': writeSafetensors(tensors, { format: 'pt' }) },
    'adapter folder test-adapter',
  );
}

/** The tensors of a host adapter under PEFT's keys, optionally renamed or stored in another dtype. */
export function peftTensors(
  host: HostLoraWeights,
  opts: { dtype?: TensorToWrite['dtype']; rename?: (key: string) => string } = {},
): TensorToWrite[] {
  const rename = opts.rename ?? ((k: string) => k);
  return [...host.modules].flatMap(([path, m]) => [
    { name: rename(`base_model.model.${path}.lora_A.weight`), shape: [...m.aShape], data: m.A, dtype: opts.dtype ?? 'F32' },
    { name: rename(`base_model.model.${path}.lora_B.weight`), shape: [...m.bShape], data: m.B, dtype: opts.dtype ?? 'F32' },
  ]);
}

/** adapter_config.json fields of a plain LoRA, to be overridden per test. */
export function plainConfig(host: HostLoraWeights, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: host.config.r,
    lora_alpha: host.config.alpha,
    lora_dropout: host.config.dropout,
    use_rslora: host.config.useRslora,
    target_modules: host.config.targets,
    bias: 'none',
    ...overrides,
  };
}

/**
 * Where two arrays first differ (bitwise for floats, so NaN equals NaN and -0 differs from 0), or undefined when they
 * are identical. Used as expect(firstDifference(a, b)).toBeUndefined(): as strict as toEqual, but a plain loop, so
 * comparing a whole checkpoint takes milliseconds.
 */
export function firstDifference(actual: Float32Array | Uint8Array, expected: Float32Array | Uint8Array): string | undefined {
  if (actual.constructor !== expected.constructor) return `${actual.constructor.name} vs ${expected.constructor.name}`;
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      const element = Math.floor(i / actual.BYTES_PER_ELEMENT);
      return `element ${element}: ${actual[element]} vs ${expected[element]}`;
    }
  }
  return undefined;
}
