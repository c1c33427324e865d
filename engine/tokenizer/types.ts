/** A chat message as HF chat templates expect it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The tokenizer surface the engine uses. Implemented (hf-tokenizer.ts) over @huggingface/tokenizers and
 * @huggingface/jinja — the two libraries @huggingface/transformers' own tokenizers are built on — so the ids and the
 * chat template are exactly those of the model's own tokenizer.json / tokenizer_config.json.
 */
export interface TextTokenizer {
  /** Token ids of `text`. `addSpecialTokens` adds BOS etc. as the tokenizer's post-processor defines (default false). */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  /**
   * Text of `ids`; special tokens dropped when `skipSpecialTokens` (default false). Ids past the vocabulary (padded
   * embedding rows) decode to nothing, as in HF tokenizers; negative or fractional ids throw.
   */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** Whether tokenizer_config.json carries a chat template (otherwise `renderChat` uses the fallback template). */
  readonly hasChatTemplate: boolean;
  /**
   * The conversation rendered as text by the model's chat template (or the fallback), ready for `encode` without
   * special tokens. `addGenerationPrompt` appends the assistant turn opener.
   */
  renderChat(messages: readonly ChatMessage[], options?: { addGenerationPrompt?: boolean }): string;
  /**
   * End-of-sequence ids, never empty: tokenizer_config.json's eos_token first, then any extra ids listed in
   * generation_config.json's `eos_token_id`. Generation stops at any of them; training appends the first after a
   * completion.
   */
  readonly eosTokenIds: readonly number[];
  /** Padding id (falls back to the first EOS id when the tokenizer has none). */
  readonly padTokenId: number;
  /** Beginning-of-sequence id, if the tokenizer defines one. */
  readonly bosTokenId: number | undefined;
  /** Highest token id + 1, added tokens included. A model's `vocab_size` may be larger (padded embedding). */
  readonly vocabSize: number;
}
