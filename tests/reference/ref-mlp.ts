/** The gated MLP of LlamaMLP / Qwen2MLP / Qwen3MLP: down_proj(silu(gate_proj(x)) * up_proj(x)). */
import { adaptedLinear, type ScaledLora } from './ref-lora';
import type { RefLayerWeights } from './ref-model-weights';
import { silu, zeroRows, type Rows } from './ref-ops';

export function gatedMlp(x: Rows /* (T, hidden), post_attention_layernorm-ed */, layer: RefLayerWeights, loras: Map<string, ScaledLora>): Rows {
  const gate = adaptedLinear(x, layer.gate.weight, layer.gate.bias, loras.get(layer.gate.path)); // (T, intermediate)
  const up = adaptedLinear(x, layer.up.weight, layer.up.bias, loras.get(layer.up.path)); // (T, intermediate)
  const activated = zeroRows(gate.rows, gate.cols);
  for (let i = 0; i < activated.data.length; i++) activated.data[i] = silu(gate.data[i] as number) * (up.data[i] as number);
  return adaptedLinear(activated, layer.down.weight, layer.down.bias, loras.get(layer.down.path)); // (T, hidden)
}
