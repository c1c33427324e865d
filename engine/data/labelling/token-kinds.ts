import { SafeTuneError } from '../../errors';
import type { TextTokenizer } from '../../tokenizer/types';

/**
 * What the labelling needs to know about a tokenizer's ids, learned through the TextTokenizer surface alone (so any
 * implementation works) and cached per tokenizer.
 */
export class TokenKinds {
  /** The EOS appended (and trained) after plain text and plain completions. */
  readonly eos: number;
  /**
   * The BOS to put before plain text and plain completions: the tokenizer's BOS when its post-processor adds it
   * (Llama 3.1+) or its chat template writes it (Llama 3's first release); undefined otherwise (Qwen has no BOS).
   */
  readonly bos: number | undefined;
  private readonly special = new Map<number, boolean>();
  private readonly blank = new Map<number, boolean>();

  constructor(private readonly tokenizer: TextTokenizer) {
    const eos = tokenizer.eosTokenIds[0];
    if (eos === undefined) {
      throw new SafeTuneError(
        'bad-tokenizer',
        'The tokenizer has no end-of-sequence token, so a completion cannot be taught to stop.',
        'Check that tokenizer_config.json names an "eos_token" (or generation_config.json an "eos_token_id").',
      );
    }
    this.eos = eos;
    this.bos = tokenizer.bosTokenId !== undefined && this.wouldAddBos(tokenizer.bosTokenId) ? tokenizer.bosTokenId : undefined;
  }

  /**
   * Whether `id` is a special token (<|im_end|>, <|eot_id|>, ...): one that decoding with skipSpecialTokens drops.
   * Chat templates end every turn with one, and these are never split or merged with neighbouring text.
   */
  isSpecial(id: number): boolean {
    let special = this.special.get(id);
    if (special === undefined) {
      special = this.tokenizer.decode([id], { skipSpecialTokens: true }) === '' && this.tokenizer.decode([id]) !== '';
      this.special.set(id, special);
    }
    return special;
  }

  /**
   * Whether `id` can end an assistant turn: a special token, or one of the EOS ids even if its tokenizer forgot to
   * flag it special.
   */
  isTurnEnd(id: number): boolean {
    return this.isSpecial(id) || this.tokenizer.eosTokenIds.includes(id);
  }

  /** Whether `id` is whitespace only ("\n", "\n\n", " "), as templates put between a turn's text and its end token. */
  isBlank(id: number): boolean {
    let blank = this.blank.get(id);
    if (blank === undefined) {
      const text = this.tokenizer.decode([id]);
      blank = text !== '' && text.trim() === '';
      this.blank.set(id, blank);
    }
    return blank;
  }

  private wouldAddBos(bos: number): boolean {
    if (this.tokenizer.encode('a', { addSpecialTokens: true })[0] === bos) return true;
    try {
      return this.tokenizer.renderChat([{ role: 'user', content: 'a' }]).startsWith(this.tokenizer.decode([bos]));
    } catch {
      return false; // a template that rejects a lone user turn says nothing about BOS
    }
  }
}

const cache = new WeakMap<TextTokenizer, TokenKinds>();

export function tokenKinds(tokenizer: TextTokenizer): TokenKinds {
  let kinds = cache.get(tokenizer);
  if (kinds === undefined) {
    kinds = new TokenKinds(tokenizer);
    cache.set(tokenizer, kinds);
  }
  return kinds;
}
