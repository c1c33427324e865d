import { mkdir, stat, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CausalLM } from '../../engine/model/causal-lm';
import { parseModelConfig } from '../../engine/model/config';
import { tokenizerFromFiles } from '../../engine/tokenizer/load-tokenizer';
import { writeSafetensors } from '../../engine/weights/safetensors-writer';
import { buildCorpus } from './corpus/build-corpus';
import { readAdvbench } from './eval/advbench';
import { loadPublicMix, type PublicMixReport } from './public-data';
import { evaluateFolder } from './eval/measure-folder';
import { demoHfConfig } from './model/demo-config';
import { initTrainableWeights, readWeights } from './model/trainable-weights';
import type { DemoBuildOptions } from './options';
import type { BuildReport } from './report';
import { deriveSeed, Rng } from './rng';
import { bpeTexts } from './tokenizer/bpe-texts';
import { demoTokenizerFiles } from './tokenizer/tokenizer-files';
import { trainByteLevelBpe } from './tokenizer/train-bpe';
import { encodeRow } from './train/encode-row';
import { lengthBatches } from './train/length-batches';
import { pretrain, type FrozenRows } from './train/pretrain';
import { embeddingRows, frequentWords, readWinkVectors, tokenWord, type WordVectors } from './model/word-vectors';
import { letterPieces, wholeWordMerges } from './tokenizer/whole-words';
import { datasetFiles } from './write/dataset-files';
import { datasetsReadme } from './write/datasets-readme';
import { modelCard } from './write/model-card';

/** Per-element RMS of the word-vector embedding rows: that of the shipped model's trained embedding (~0.13). */
const WORD_VECTOR_RMS = 0.13;

/**
 * The whole demo build on the current tfjs backend (the caller selects it): corpus → tokenizer → pre-training →
 * model folder → evaluation of the folder as written → model card and public data sets. Returns what it measured.
 */
export async function buildDemo(o: DemoBuildOptions, quick: boolean, machine: string, log: (line: string) => void): Promise<BuildReport> {
  const t0 = performance.now();
  const loadAtStart = loadavg()[0]!;
  const json = (x: unknown): string => JSON.stringify(x, null, 2) + '\n';

  // 1. Corpus and tokenizer.
  let corpusSizes = o.corpus;
  let publicMix: PublicMixReport | undefined;
  if (o.publicShare.harmful > 0 || o.publicShare.benign > 0) {
    const loaded = await loadPublicMix(o.publicDataDir, o.publicShare, o.seed, o.corpus, o.advbenchLimit);
    corpusSizes = { ...o.corpus, publicMix: loaded.mix };
    publicMix = loaded.report;
    log(`public mix ${o.publicShare.harmful} / ${o.publicShare.benign}: ${publicMix.harmful.kept} of ${publicMix.harmful.read} AdvBench goals, ${publicMix.benign.kept} of ${publicMix.benign.read} GSM8K / SQL questions (${publicMix.forbiddenWords} held-out words excluded)`);
  }
  const corpus = buildCorpus(o.seed, corpusSizes);
  let merges = trainByteLevelBpe(bpeTexts(corpus.pretrain.slice(0, o.tokenizer.corpusRows)), o.tokenizer);
  let wordVectors: WordVectors | undefined;
  let wordPieces = new Set<string>(); // pre-training's whole words with a vector, as tokens ("Ġgrenade")
  let wordReport: BuildReport['wordVectors'];
  if (o.wordVectors !== undefined) {
    wordVectors = await readWinkVectors(o.wordVectors.path);
    // Every pre-training word with a vector becomes one token, so its vector can be its embedding.
    const pretrainPieces = letterPieces(bpeTexts(corpus.pretrain));
    wordPieces = new Set(
      [...pretrainPieces].filter((p) => {
        const word = tokenWord(p);
        return word !== undefined && wordVectors!.vectors.has(word);
      }),
    );
    // Words of the general vocabulary that pre-training spells with a leading space only (as most words come).
    for (const word of frequentWords(wordVectors, o.wordVectors.lexicon)) wordPieces.add(`Ġ${word}`);
    const pieces = [...wordPieces];
    const extra = wholeWordMerges(merges, pieces);
    log(`word vectors: ${wordVectors.vectors.size} words read; ${pieces.length} whole-word pieces (pre-training's words with a vector, and the ${o.wordVectors.lexicon} most frequent), ${extra.length} merges added to make them whole`);
    merges = [...merges, ...extra];
    wordReport = { source: wordVectors.source, wordsRead: wordVectors.vectors.size, pieces: pieces.length, piecesNotInPretraining: pieces.filter((p) => !pretrainPieces.has(p)).length, addedMerges: extra.length, embeddingRows: 0 };
  }
  const tokFiles = demoTokenizerFiles(merges, o.model.maxPositionEmbeddings);
  const tokenizer = tokenizerFromFiles({ tokenizerJson: tokFiles.tokenizerJson, tokenizerConfig: tokFiles.tokenizerConfig }, 'the demo tokenizer');
  const encoded = corpus.pretrain.map((row) => encodeRow(tokenizer, row));
  const eos = tokFiles.specialTokenIds['<|im_end|>'];
  const pad = tokFiles.specialTokenIds['<|endoftext|>'];
  const batches = lengthBatches(encoded, { batchSize: o.batchSize, ...o.batching }, pad, new Rng(deriveSeed(o.seed, 'batches'))).slice(0, o.steps);
  if (batches.length < o.steps) throw new Error(`the corpus makes only ${batches.length} batches for ${o.steps} steps; raise corpus.pretrainRows`);
  const tCorpus = performance.now();
  log(`corpus: ${corpus.pretrain.length} pre-training rows, tokenizer: ${merges.length} merges, vocab ${tokFiles.vocabSize} (${((tCorpus - t0) / 1000).toFixed(1)} s)`);

  // 2. Pre-training from scratch.
  const hf = demoHfConfig(o.model, tokFiles.vocabSize, eos, pad, o.wordVectors?.untied !== true);
  const config = parseModelConfig(hf);
  const trainable = initTrainableWeights(config, deriveSeed(o.seed, 'init'));
  const parameters = [...trainable.variables.values()].reduce((n, v) => n + v.size, 0);
  let frozen: FrozenRows | undefined;
  if (wordVectors !== undefined) {
    // Only whole words: a sub-word piece ("ing") is no word, whatever GloVe holds under its spelling.
    const vocab = new Map(Object.entries((tokFiles.tokenizerJson.model as { vocab: Record<string, number> }).vocab).filter(([token]) => wordPieces.has(token)));
    const rows = embeddingRows(vocab, wordVectors, o.model.hiddenSize, WORD_VECTOR_RMS);
    const name = 'model.embed_tokens.weight';
    const embed = trainable.variables.get(name)!;
    const [vocabSize, width] = embed.shape as [number, number];
    const values = (await embed.data()).slice() as Float32Array;
    for (const [id, row] of rows) values.set(row, id * width);
    const start = tf.tensor2d(values, [vocabSize, width]);
    embed.assign(start);
    start.dispose(); // the variable keeps its own copy
    if (o.wordVectors!.freeze) frozen = { name, rows: [...rows.keys()] };
    wordReport!.embeddingRows = rows.size;
    log(`word vectors: ${rows.size} of ${vocabSize} embedding rows from the vectors${o.wordVectors!.freeze ? ', fixed' : ''}`);
  }
  log(`model: ${parameters} parameters, ${o.steps} steps × ${o.batchSize} on tfjs ${tf.getBackend()}`);
  const training = new CausalLM(config, trainable.weights);
  let stats;
  try {
    stats = await pretrain(training, trainable, batches, pad, o.train, log, frozen);
  } catch (e) {
    training.dispose();
    throw e;
  }
  const tTrain = performance.now();

  // 3. The model folder, as the app and the CLI will load it.
  const tensors = (await readWeights(trainable)).map((t) => ({ ...t, dtype: 'F32' as const }));
  training.dispose(); // releases the variables too
  await mkdir(o.modelDir, { recursive: true });
  const modelFiles = new Map<string, string | Uint8Array>([
    ['config.json', json(hf)],
    ['generation_config.json', json({ bos_token_id: null, eos_token_id: eos, pad_token_id: pad, do_sample: false, max_new_tokens: 64 })],
    ['tokenizer.json', json(tokFiles.tokenizerJson)],
    ['tokenizer_config.json', json(tokFiles.tokenizerConfig)],
    ['model.safetensors', writeSafetensors(tensors, { format: 'pt' })],
  ]);
  for (const [name, data] of modelFiles) await writeFile(join(o.modelDir, name), data);

  // 4. Evaluate what was written (not the in-memory variables), so the card describes the shipped files.
  const advbench = await readAdvbench(o.advbenchPath, o.advbenchLimit);
  log(`evaluating: ${corpus.benignEval.length} benign, ${corpus.harmfulEval.length} harmful, ${advbench?.length ?? 0} AdvBench prompts`);
  const metrics = await evaluateFolder(o.modelDir, corpus, advbench, o.eval);
  const tEval = performance.now();

  // 5. Report, model card, data sets.
  const sizes: Record<string, number> = {};
  for (const name of modelFiles.keys()) sizes[name] = (await stat(join(o.modelDir, name))).size;
  const rowsPerGroup: Record<string, number> = {};
  for (const r of corpus.pretrain) rowsPerGroup[r.group] = (rowsPerGroup[r.group] ?? 0) + 1;
  const report: BuildReport = {
    quick,
    options: o,
    machine,
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    parameters,
    vocabSize: tokFiles.vocabSize,
    merges: merges.length,
    ...(wordReport === undefined ? {} : { wordVectors: wordReport }),
    corpus: {
      pretrainRows: corpus.pretrain.length,
      distinctPretrainRequests: new Set(corpus.pretrain.map((r) => r.request)).size,
      harmfulRows: corpus.pretrain.filter((r) => r.kind === 'harmful').length,
      rowsPerGroup,
      meanTokensPerRow: encoded.reduce((n, e) => n + e.ids.length, 0) / encoded.length,
      ...(publicMix === undefined ? {} : { publicMix }),
    },
    train: stats,
    seconds: {
      corpusAndTokenizer: (tCorpus - t0) / 1000,
      training: (tTrain - tCorpus) / 1000,
      evaluation: (tEval - tTrain) / 1000,
      total: (performance.now() - t0) / 1000,
    },
    metrics,
    advbenchUsed: advbench !== undefined,
    modelFiles: sizes,
  };
  // The settings without this machine's absolute paths (the file is committed with the model).
  const { modelDir: _m, datasetDir: _d, advbenchPath: _a, publicDataDir: _p, wordVectors: wv, ...rest } = o;
  const settings = wv === undefined ? rest : { ...rest, wordVectors: { ...wv, path: basename(wv.path) } };
  await writeFile(join(o.modelDir, 'demo_metrics.json'), json({ ...report, options: undefined, settings }));
  await writeFile(join(o.modelDir, 'README.md'), modelCard(report));

  await mkdir(o.datasetDir, { recursive: true });
  for (const [name, text] of datasetFiles(corpus)) await writeFile(join(o.datasetDir, name), text);
  await writeFile(join(o.datasetDir, 'README.md'), datasetsReadme(corpus, metrics, o.seed));
  return report;
}
