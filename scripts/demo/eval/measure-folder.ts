import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DirectoryFiles } from '../../../node-host/fs-files';
import { loadCausalLM } from '../../../engine/model/load';
import { loadTokenizer } from '../../../engine/tokenizer/load-tokenizer';
import { buildCorpus, type CorpusSizes, type DemoCorpus } from '../corpus/build-corpus';
import { readAdvbench } from './advbench';
import { evaluateDemoModel, type DemoMetrics, type EvalOptions } from './evaluate';

/** What a build records in demo_metrics.json that its evaluation depends on. */
interface BuiltSettings {
  seed: number;
  corpus: CorpusSizes;
  advbenchLimit: number;
  eval: EvalOptions;
}

/**
 * The card's evaluation of a folder `npm run build:demo` wrote, with today's evaluation code, on the current backend
 * (the build's is wasm). The held-out sets are rebuilt from the seed and corpus sizes in its demo_metrics.json (they
 * depend on nothing else, not on a trial mix), so a model built before a card section existed can be measured on it.
 */
export async function measureFolder(modelDir: string, advbenchPath: string): Promise<{ seed: number; metrics: DemoMetrics }> {
  const metricsFile = join(modelDir, 'demo_metrics.json');
  let text: string;
  try {
    text = await readFile(metricsFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${metricsFile} is missing: only a folder that npm run build:demo wrote can be re-measured`);
    throw new Error(`${metricsFile} cannot be read (${code ?? (e as Error).message})`);
  }
  let parsed: { settings?: Partial<BuiltSettings> };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (e) {
    throw new Error(`${metricsFile} is not valid JSON (${(e as Error).message}): rebuild the folder with npm run build:demo`);
  }
  const s = parsed.settings;
  if (s?.seed === undefined || s.corpus === undefined || s.advbenchLimit === undefined || s.eval === undefined) {
    throw new Error(`${metricsFile} has no build settings (seed, corpus, advbenchLimit, eval)`);
  }
  const corpus = buildCorpus(s.seed, s.corpus);
  return { seed: s.seed, metrics: await evaluateFolder(modelDir, corpus, await readAdvbench(advbenchPath, s.advbenchLimit), s.eval) };
}

/** Every card number of the model folder as written (loaded the way the app and the CLI load it, then released). */
export async function evaluateFolder(modelDir: string, corpus: DemoCorpus, advbench: readonly string[] | undefined, opts: EvalOptions): Promise<DemoMetrics> {
  const files = new DirectoryFiles(modelDir);
  const model = await loadCausalLM(files);
  try {
    return await evaluateDemoModel(model, await loadTokenizer(files), corpus, advbench, opts);
  } finally {
    model.dispose();
  }
}
