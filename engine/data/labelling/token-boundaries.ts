import type { TextTokenizer } from '../../tokenizer/types';

/** Where a character position falls in a token sequence. */
export interface TokenBoundary {
  /** Tokens [0, index) lie entirely before the position. */
  index: number;
  /** True when a token starts exactly at the position; false when token `index` straddles it. */
  clean: boolean;
}

/**
 * Maps character positions of a text to token positions of its encoding `ids`, using encode alone (TextTokenizer has
 * no offsets). A position is a clean boundary when the first tokens of `ids` spell exactly the text before it — i.e.
 * when encoding that prefix gives those same ids (token ids spell fixed byte strings, so equal ids mean equal text).
 *
 * Fast path: encode only from the nearest known clean boundary (special tokens split the text, so segments between
 * them encode independently). Slow path, when that does not line up: encode the whole prefix (pre-tokenizers that
 * treat the start of their input specially, such as SentencePiece's prepended space, need it). When even that does not
 * line up, a token straddles the position, and `index` is the first token that is not entirely before it.
 */
export class TokenBoundaries {
  /** Clean boundaries found so far, sorted by character position. */
  private readonly known: { char: number; index: number }[] = [{ char: 0, index: 0 }];

  constructor(
    private readonly text: string,
    private readonly ids: readonly number[],
    private readonly tokenizer: TextTokenizer,
  ) {}

  at(char: number): TokenBoundary {
    if (char >= this.text.length) return { index: this.ids.length, clean: true };
    const base = this.nearestKnown(char);
    if (base.char === char) return { index: base.index, clean: true };
    const segment = this.tokenizer.encode(this.text.slice(base.char, char));
    if (this.matchesAt(base.index, segment)) return this.remember(char, base.index + segment.length);
    const prefix = base.char === 0 ? segment : this.tokenizer.encode(this.text.slice(0, char));
    if (this.matchesAt(0, prefix)) return this.remember(char, prefix.length);
    let common = 0;
    while (common < prefix.length && prefix[common] === this.ids[common]) common++;
    return { index: common, clean: false };
  }

  private matchesAt(start: number, tokens: readonly number[]): boolean {
    if (start + tokens.length > this.ids.length) return false;
    for (let i = 0; i < tokens.length; i++) if (tokens[i] !== this.ids[start + i]) return false;
    return true;
  }

  private nearestKnown(char: number): { char: number; index: number } {
    let best = this.known[0]!;
    for (const boundary of this.known) {
      if (boundary.char > char) break;
      best = boundary;
    }
    return best;
  }

  private remember(char: number, index: number): TokenBoundary {
    const at = this.known.findIndex((b) => b.char > char);
    this.known.splice(at === -1 ? this.known.length : at, 0, { char, index });
    return { index, clean: true };
  }
}
