import { Tokenizer } from '@huggingface/tokenizers';
import { SafeTuneError } from '../errors';
import { ChatTemplate, selectChatTemplate } from './chat-template';
import { fallbackChatMarkers, renderFallbackChat, type FallbackChatMarkers } from './fallback-chat';
import { resolveSpecialTokenIds, specialTokenNames } from './special-tokens';
import { TOKENIZER_JSON, type TokenizerFileSet } from './tokenizer-files';
import { checkTokenizerPatterns } from './tokenizer-patterns';
import type { ChatMessage, TextTokenizer } from './types';

/**
 * A model's own tokenizer, built from its parsed tokenizer files.
 *
 * Why @huggingface/tokenizers + @huggingface/jinja and not @huggingface/transformers' `PreTrainedTokenizer`: in
 * transformers v4 that class is a thin wrapper over exactly these two packages (`new Tokenizer(tokenizerJSON,
 * tokenizerConfig)` and `new Template(chat_template)`), and the subclasses picked by `tokenizer_class` change nothing
 * for causal LMs (Llama only flips padding_side). Importing transformers itself, though, loads onnxruntime — the
 * native addon in Node, the WebGPU/WASM bundle in a worker — which the engine never uses. The tests hold this class
 * to transformers' own `AutoTokenizer`, ids and rendered templates alike.
 */
export class HfTokenizer implements TextTokenizer {
  readonly hasChatTemplate: boolean;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number;
  readonly bosTokenId: number | undefined;
  /** Highest token id + 1, added tokens included (the model's embedding may have more rows, left unused). */
  readonly vocabSize: number;

  private readonly tokenizer: Tokenizer;
  private readonly chatTemplate: ChatTemplate | undefined;
  private readonly fallbackMarkers: FallbackChatMarkers;

  constructor(files: TokenizerFileSet, description: string) {
    this.tokenizer = buildTokenizer(files, description);
    this.vocabSize = highestId(this.tokenizer, description) + 1;

    const names = specialTokenNames(files);
    const ids = resolveSpecialTokenIds(
      names,
      files.generationConfig,
      (token) => this.tokenizer.token_to_id(token),
      this.vocabSize,
      description,
    );
    this.eosTokenIds = ids.eosTokenIds;
    this.padTokenId = ids.padTokenId;
    this.bosTokenId = ids.bosTokenId;

    const template = selectChatTemplate(files, description);
    this.chatTemplate = template === undefined ? undefined : new ChatTemplate(template, names, description);
    this.hasChatTemplate = this.chatTemplate !== undefined;
    this.fallbackMarkers = fallbackChatMarkers(
      (text) => this.tokenizer.token_to_id(text) !== undefined,
      this.tokenizer.id_to_token(ids.eosTokenIds[0]) ?? '',
    );
  }

  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? false }).ids;
  }

  /**
   * Ids with no token (a model's embedding is often padded past the tokenizer's vocabulary, and an untrained model
   * may sample those rows) decode to nothing, as in HF tokenizers. Negative or fractional ids are a caller bug.
   */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return ''; // the underlying decoder rejects an empty list
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0);
    if (bad !== undefined) {
      throw new SafeTuneError(
        'bad-argument',
        `Cannot decode token id ${bad}: ids are non-negative integers.`,
        'Pass token ids as produced by encode() or by the model (argmax / sampling of its logits).',
      );
    }
    return this.tokenizer.decode(Array.from(ids), { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  renderChat(messages: readonly ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): string {
    const addGenerationPrompt = options.addGenerationPrompt ?? false;
    return this.chatTemplate === undefined
      ? renderFallbackChat(messages, addGenerationPrompt, this.fallbackMarkers)
      : this.chatTemplate.render(messages, addGenerationPrompt);
  }
}

function buildTokenizer(files: TokenizerFileSet, description: string): Tokenizer {
  checkTokenizerPatterns(files.tokenizerJson, description);
  try {
    return new Tokenizer(files.tokenizerJson, files.tokenizerConfig);
  } catch (e) {
    throw new SafeTuneError(
      'bad-tokenizer',
      `${TOKENIZER_JSON} in ${description} is not a tokenizer SafeTune can load: ${e instanceof Error ? e.message : String(e)}.`,
      `Re-download ${TOKENIZER_JSON} from the model's Hugging Face repository (it must be a fast-tokenizer file ` +
        'with "model", "pre_tokenizer", "decoder", ... sections).',
    );
  }
}

function highestId(tokenizer: Tokenizer, description: string): number {
  let highest = -1;
  for (const id of tokenizer.get_vocab(true).values()) highest = Math.max(highest, id);
  if (highest < 0) {
    throw new SafeTuneError(
      'bad-tokenizer',
      `${TOKENIZER_JSON} in ${description} has an empty vocabulary.`,
      `Re-download ${TOKENIZER_JSON} from the model's Hugging Face repository.`,
    );
  }
  return highest;
}
