import { tinyModelConfig, randomWeights, type TinyArch } from '../../engine/model/tiny';
import { uploadBaseWeights } from '../../engine/model/base-weights';
import { CausalLM } from '../../engine/model/causal-lm';
import { LoraAdapter, DEFAULT_LORA_CONFIG, type LoraConfig } from '../../engine/model/lora';

/** A tiny random model built in memory (no files): for trainer tests that are not about loading. */
export async function tinyModel(arch: TinyArch = 'llama', opts: { vocab?: number; seed?: number; lora?: Partial<LoraConfig> } = {}): Promise<CausalLM> {
  const config = tinyModelConfig(arch, opts.vocab ?? 64);
  const host = randomWeights(config, opts.seed ?? 1);
  const weights = await uploadBaseWeights(config, async (n) => host.get(n)!);
  return new CausalLM(config, weights, LoraAdapter.init(config, { ...DEFAULT_LORA_CONFIG, ...opts.lora }, opts.seed ?? 1));
}
