import { BYTE_TO_CHAR } from '../../../engine/tokenizer/byte-level';

/**
 * GPT-2's pre-tokenizer pattern, as the ByteLevel pre-tokenizer of HF tokenizers (and @huggingface/tokenizers) applies
 * it: merges are learned and applied only inside these pieces.
 */
const PRE_TOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Byte-level characters of the ASCII digits: merges touching them are never learned (see trainByteLevelBpe). */
const DIGIT_CHARS = new Set('0123456789'.split('').map((d) => BYTE_TO_CHAR[d.charCodeAt(0)]!));

export interface BpeTrainingOptions {
  /** Stop after this many merges (the vocabulary is 256 bytes + merges + special tokens). */
  maxMerges: number;
  /** Stop when the most frequent pair occurs fewer times than this. */
  minPairCount: number;
}

/** Pieces of `text` in the byte-level alphabet, as the ByteLevel pre-tokenizer makes them. */
export function preTokenize(text: string): string[] {
  const encoder = new TextEncoder();
  return (text.match(PRE_TOKENIZE) ?? []).map((piece) => {
    let out = '';
    for (const byte of encoder.encode(piece)) out += BYTE_TO_CHAR[byte];
    return out;
  });
}

/**
 * Learns byte-level BPE merges from `texts` (the classic algorithm: count adjacent symbol pairs over the distinct
 * pre-tokenized pieces weighted by frequency, merge the most frequent, repeat). Deterministic: ties go to the pair
 * that sorts first.
 *
 * Digits are never merged, so every number is spelled one digit per token: arithmetic and sorting then see the same
 * tokens for "7" whether it stands alone or inside "17", which a model this small needs to learn them at all.
 * Returns the merges in order, each as [left, right] in the byte-level alphabet.
 */
export function trainByteLevelBpe(texts: Iterable<string>, options: BpeTrainingOptions): [string, string][] {
  const counts = new Map<string, number>();
  for (const text of texts) for (const piece of preTokenize(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  // Each distinct piece as its current symbols; sorted so that the result never depends on insertion order.
  const words = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([piece, count]) => ({ symbols: [...piece], count }));

  const merges: [string, string][] = [];
  while (merges.length < options.maxMerges) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const a = symbols[i]!;
        const b = symbols[i + 1]!;
        if (hasDigit(a) || hasDigit(b)) continue;
        const key = `${a}\u0000${b}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    const best = mostFrequentPair(pairCounts);
    if (best === undefined || pairCounts.get(best)! < options.minPairCount) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    const merged = a + b;
    for (const word of words) word.symbols = applyMerge(word.symbols, a, b, merged);
  }
  return merges;
}

/** The key of the highest count, ties to the key that sorts first (so merges never depend on insertion order). */
export function mostFrequentPair(pairCounts: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [key, count] of pairCounts) {
    if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
      best = key;
      bestCount = count;
    }
  }
  return best;
}

function hasDigit(symbol: string): boolean {
  for (const ch of symbol) if (DIGIT_CHARS.has(ch)) return true;
  return false;
}

/** `symbols` with every adjacent (a, b) replaced by `merged`, left to right (as BPE applies a merge). */
export function applyMerge(symbols: string[], a: string, b: string, merged: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(merged);
      i++;
    } else {
      out.push(symbols[i]!);
    }
  }
  return out;
}
