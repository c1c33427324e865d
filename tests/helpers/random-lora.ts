import type { ModelConfig } from '../../engine/model/config';
import { LORA_TARGETS, modulePath, projectionShape, type HostLoraWeights, type LoraConfig } from '../../engine/model/lora';
import { mulberry32 } from '../../engine/util/random';
import type { RefLora } from '../reference/llama-reference';

/** A LoRA adapter with random A and B (non-zero B, unlike a fresh one) so tests exercise the update path. */
export function randomHostLora(config: ModelConfig, seed: number, partial: Partial<LoraConfig> = {}): HostLoraWeights {
  const lora: LoraConfig = { r: 4, alpha: 8, dropout: 0, targets: [...LORA_TARGETS], useRslora: false, ...partial };
  const rand = mulberry32(seed);
  const modules: HostLoraWeights['modules'] = new Map();
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const target of lora.targets) {
      const [out, inn] = projectionShape(config, target);
      const A = Float32Array.from({ length: lora.r * inn }, () => 0.3 * (2 * rand() - 1));
      const B = Float32Array.from({ length: out * lora.r }, () => 0.3 * (2 * rand() - 1));
      modules.set(modulePath(layer, target), { A, B, aShape: [lora.r, inn], bShape: [out, lora.r] });
    }
  }
  return { config: lora, modules };
}

/** The same adapter in the reference's terms. */
export function toRefLora(host: HostLoraWeights): RefLora {
  const modules: RefLora['modules'] = new Map();
  for (const [path, m] of host.modules) modules.set(path, { A: { shape: m.aShape, data: m.A }, B: { shape: m.bShape, data: m.B } });
  return { r: host.config.r, alpha: host.config.alpha, useRslora: host.config.useRslora, modules };
}
