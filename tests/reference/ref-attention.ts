/**
 * Causal grouped-query self-attention of one decoder layer, as LlamaAttention / Qwen2Attention / Qwen3Attention with
 * eager_attention_forward: project, (Qwen3) RMSNorm each q / k head, RoPE, softmax(q k^T / sqrt(head_dim) + mask) v,
 * then o_proj. Query head h reads kv head floor(h / (heads / kv_heads)) (repeat_kv).
 */
import type { RefModelConfig } from './ref-config';
import { adaptedLinear, type ScaledLora } from './ref-lora';
import type { RefLayerWeights } from './ref-model-weights';
import { rmsNorm, zeroRows, type Rows } from './ref-ops';
import { applyRope } from './rope';

/** Can query position t see key position s? Causal, and within the sliding window when the layer has one. */
function visible(t: number, s: number, slidingWindow: number | null): boolean {
  return s <= t && (slidingWindow === null || s > t - slidingWindow);
}

export function selfAttention(
  x: Rows, // (T, hidden), already input_layernorm-ed
  layer: RefLayerWeights,
  cfg: RefModelConfig,
  slidingWindow: number | null,
  loras: Map<string, ScaledLora>,
): Rows {
  const { numHeads, numKvHeads, headDim, rmsNormEps } = cfg;
  const T = x.rows;
  let q = adaptedLinear(x, layer.q.weight, layer.q.bias, loras.get(layer.q.path)); // (T, heads * head_dim)
  let k = adaptedLinear(x, layer.k.weight, layer.k.bias, loras.get(layer.k.path)); // (T, kv_heads * head_dim)
  const v = adaptedLinear(x, layer.v.weight, layer.v.bias, loras.get(layer.v.path)); // (T, kv_heads * head_dim)
  if (layer.qNorm !== null) q = rmsNorm(q, layer.qNorm, rmsNormEps, headDim); // per head, before RoPE
  if (layer.kNorm !== null) k = rmsNorm(k, layer.kNorm, rmsNormEps, headDim);
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < numHeads; h++) applyRope(q.data, (t * numHeads + h) * headDim, headDim, t, cfg.rope.invFreq);
    for (let h = 0; h < numKvHeads; h++) applyRope(k.data, (t * numKvHeads + h) * headDim, headDim, t, cfg.rope.invFreq);
  }

  const groupSize = numHeads / numKvHeads;
  const scaling = 1 / Math.sqrt(headDim);
  const context = zeroRows(T, numHeads * headDim); // (T, heads * head_dim), heads side by side as after transpose+reshape
  const scores = new Float64Array(T);
  for (let h = 0; h < numHeads; h++) {
    const kvHead = Math.floor(h / groupSize);
    for (let t = 0; t < T; t++) {
      const qOffset = (t * numHeads + h) * headDim;
      let max = -Infinity;
      for (let s = 0; s < T; s++) {
        if (!visible(t, s, slidingWindow)) continue;
        const kOffset = (s * numKvHeads + kvHead) * headDim;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += (q.data[qOffset + d] as number) * (k.data[kOffset + d] as number);
        scores[s] = dot * scaling;
        max = Math.max(max, scores[s] as number);
      }
      let sum = 0;
      for (let s = 0; s < T; s++) {
        if (!visible(t, s, slidingWindow)) continue;
        scores[s] = Math.exp((scores[s] as number) - max); // masked positions get exactly zero weight
        sum += scores[s] as number;
      }
      for (let s = 0; s < T; s++) {
        if (!visible(t, s, slidingWindow)) continue;
        const weight = (scores[s] as number) / sum;
        const vOffset = (s * numKvHeads + kvHead) * headDim;
        for (let d = 0; d < headDim; d++) {
          context.data[qOffset + d] = (context.data[qOffset + d] as number) + weight * (v.data[vOffset + d] as number);
        }
      }
    }
  }
  return adaptedLinear(context, layer.o.weight, layer.o.bias, loras.get(layer.o.path)); // (T, hidden)
}
