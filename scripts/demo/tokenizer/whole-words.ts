import { applyMerge, mostFrequentPair, preTokenize } from './train-bpe';

/**
 * Merges that make every given piece one token, appended after `merges` (BPE applies merges by rank, so these change
 * nothing the earlier ones decide; they only finish the pieces those leave split).
 *
 * Why: a word's pre-trained vector (model/word-vectors.ts) can only be a token's embedding if the word is one token.
 * Learned like the main merges — the most frequent adjacent pair over the pieces still split, ties to the pair that
 * sorts first — starting from each piece's segmentation under `merges`, so encoding a piece with all the merges
 * replays exactly this run and ends in one token — unless its only remaining pairs make tokens that exist already
 * (from other parts), which a vocabulary cannot hold twice: such a piece stays split. Deterministic for its inputs.
 */
export function wholeWordMerges(merges: readonly (readonly [string, string])[], pieces: Iterable<string>): [string, string][] {
  const rank = new Map(merges.map(([a, b], i) => [`${a}\u0000${b}`, i]));
  const words = [...new Set(pieces)]
    .sort()
    .map((piece) => segment([...piece], rank))
    .filter((symbols) => symbols.length > 1);
  const known = new Set(merges.map(([a, b]) => a + b));
  const added: [string, string][] = [];
  for (;;) {
    const counts = new Map<string, number>();
    for (const symbols of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        // A pair whose token an earlier merge already makes from other parts cannot be a vocabulary entry again.
        if (known.has(symbols[i]! + symbols[i + 1]!)) continue;
        const key = `${symbols[i]!}\u0000${symbols[i + 1]!}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const best = mostFrequentPair(counts);
    if (best === undefined) break;
    const [a, b] = best.split('\u0000') as [string, string];
    known.add(a + b);
    added.push([a, b]);
    for (let w = 0; w < words.length; w++) words[w] = applyMerge(words[w]!, a, b, a + b);
    for (let w = words.length - 1; w >= 0; w--) if (words[w]!.length === 1) words.splice(w, 1);
  }
  return added;
}

/**
 * The distinct pieces of ASCII letters of `texts` as the pre-tokenizer cuts them ("Ġgrenade", "How"), in byte-level
 * form (where "Ġ" is the space, and other bytes are spelled with characters Unicode also calls letters: "Ċ" is "\n").
 */
export function letterPieces(texts: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const text of texts) for (const piece of preTokenize(text)) if (/^Ġ?[A-Za-z]+$/.test(piece)) out.add(piece);
  return out;
}

/** `symbols` after BPE with the ranked merges: the lowest-ranked adjacent pair first, until none applies. */
function segment(symbols: string[], rank: ReadonlyMap<string, number>): string[] {
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const r = rank.get(`${symbols[i]!}\u0000${symbols[i + 1]!}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return symbols;
    const [a, b] = [symbols[best]!, symbols[best + 1]!];
    symbols = applyMerge(symbols, a, b, a + b);
  }
}
