import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora-config';
import { resolveTrainOptions } from '../../engine/train/options';
import type { TrainState } from '../../engine/train/train-state';

/** A small synthetic state: values derived from `step`, so the loaded one shows which unit it came from. */
export function stateAt(step: number): TrainState {
  const A = Float32Array.from({ length: 8 }, (_, i) => step + i / 10);
  const B = Float32Array.from({ length: 8 }, (_, i) => -step - i / 10);
  const lora = { ...DEFAULT_LORA_CONFIG, r: 2, targets: ['q_proj' as const] };
  return {
    position: { step, order: { seed: 1, epoch: 0, cursor: step } },
    totalSteps: 10,
    options: resolveTrainOptions({ maxSteps: 10 }),
    lora,
    adapter: { config: lora, modules: new Map([['model.layers.0.self_attn.q_proj', { A, B, aShape: [2, 4], bShape: [4, 2] }]]) },
    optimizer: { step, m: [A.map((x) => x / 2), B.map((x) => x / 2)], v: [A.map((x) => x * x), B.map((x) => x * x)] },
    run: { runId: 'r' },
  };
}
