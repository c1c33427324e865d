import type { ModelConfig } from '../model/config';
import { projectionShape } from '../model/lora';
import type { LoraConfig } from '../model/lora-config';
import { RunError } from './run-errors';

/**
 * Refuses a LoRA rank wider than a target layer: r above min(in, out) of a projection adds no expressiveness and only
 * memory (r = 100000 on a 64-wide model asked for 13 GB and 508 s a step).
 */
export function checkLoraFits(model: ModelConfig, lora: Pick<LoraConfig, 'r' | 'targets'>): void {
  let narrowest: { target: string; width: number } | undefined;
  for (const target of lora.targets) {
    const width = Math.min(...projectionShape(model, target));
    if (narrowest === undefined || width < narrowest.width) narrowest = { target, width };
  }
  if (narrowest !== undefined && lora.r > narrowest.width) {
    throw new RunError(
      'lora-too-wide',
      `LoRA rank ${lora.r} is larger than the narrowest target layer (${narrowest.target}, ${narrowest.width} wide) of this ${model.architecture} model`,
      `Use a rank of at most ${narrowest.width} (8-64 is usual).`,
    );
  }
}
