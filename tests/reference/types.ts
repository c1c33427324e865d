/**
 * Plain data shapes the float64 reference works on. Nothing here knows about tfjs: the reference is the independent
 * spec the engine's model is held to, so it must not share code (or mistakes) with it.
 */

/** A dense row-major tensor. Float32 data (as read from safetensors) is widened to float64 as it is used. */
export interface RefTensor {
  shape: number[];
  data: Float64Array | Float32Array;
}

/** One adapted linear layer, in PEFT's layout: A is [r, in_features], B is [out_features, r]. */
export interface RefLoraPair {
  A: RefTensor;
  B: RefTensor;
}

/**
 * A LoRA adapter as PEFT applies it: y = x W^T (+ b) + scale * (x A^T) B^T, with scale = alpha / r, or alpha / sqrt(r)
 * with rsLoRA. Dropout is a training-time no-op for a deterministic forward and is not modelled.
 */
export interface RefLora {
  r: number;
  alpha: number;
  useRslora: boolean;
  /** Key: the HF module path without ".weight", e.g. "model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj". */
  modules: Map<string, RefLoraPair>;
}
