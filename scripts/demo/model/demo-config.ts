/** The demo model's shape. Example values: the shipped model (options.ts holds the real defaults). */
export interface DemoModelShape {
  hiddenSize: number; // 64
  intermediateSize: number; // 256 (SwiGLU MLP)
  numLayers: number; // 4
  numHeads: number; // 2 (head dim 32)
  numKvHeads: number; // 2 (fewer than numHeads = grouped-query attention, as Llama 3)
  maxPositionEmbeddings: number; // 512: far past the corpus' longest conversation (~60 tokens)
}

/**
 * config.json of the demo model: a LlamaForCausalLM with tied embeddings (untied in the word-vector trial, whose
 * embedding is fixed and whose output head trains) and no biases — the same fields a hub Llama carries, so the app
 * and the CLI load it through the same path as any hub model.
 */
export function demoHfConfig(shape: DemoModelShape, vocabSize: number, eosTokenId: number, padTokenId: number, tieWordEmbeddings = true): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: vocabSize,
    hidden_size: shape.hiddenSize,
    intermediate_size: shape.intermediateSize,
    num_hidden_layers: shape.numLayers,
    num_attention_heads: shape.numHeads,
    num_key_value_heads: shape.numKvHeads,
    head_dim: shape.hiddenSize / shape.numHeads,
    hidden_act: 'silu',
    max_position_embeddings: shape.maxPositionEmbeddings,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    rope_scaling: null,
    tie_word_embeddings: tieWordEmbeddings,
    attention_bias: false,
    attention_dropout: 0,
    mlp_bias: false,
    initializer_range: 0.02,
    bos_token_id: null,
    eos_token_id: eosTokenId,
    pad_token_id: padTokenId,
    torch_dtype: 'float32',
    use_cache: true,
  };
}
