import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafeTuneError } from '../../engine/errors';
import { parseRows } from '../../engine/data';
import { describeRejections } from '../../engine/data/row-ref';
import { buildCorpus, type CorpusSizes } from './corpus/build-corpus';
import { decontaminate, forbiddenWords, gsm8kFinalAnswer, type PublicMix } from './corpus/public-mix';
import { parseAdvbenchGoals } from './eval/advbench';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Longest GSM8K / SQL question and SQL answer the mix keeps (characters): the corpus's rows are short. */
const MAX_QUESTION = 160;
const MAX_SQL_ANSWER = 80;

export interface PublicMixReport {
  harmful: { read: number; kept: number };
  benign: { read: number; kept: number };
  forbiddenWords: number;
}

/**
 * The trial mix's rows (corpus/public-mix.ts) from `dataDir` (../shared/data): AdvBench goals after the first
 * `advbenchEvaluated` (the card evaluates those), GSM8K train questions with their final answer, sql-create-context
 * questions with their query; every row with a word the card's held-out sets test as unseen left out.
 */
export async function loadPublicMix(dataDir: string, shares: { harmful: number; benign: number }, seed: number, sizes: CorpusSizes, advbenchEvaluated: number): Promise<{ mix: PublicMix; report: PublicMixReport }> {
  const read = async (rel: string): Promise<Uint8Array> => {
    const path = join(dataDir, rel);
    try {
      return new Uint8Array(await readFile(path));
    } catch {
      throw new SafeTuneError('bad-argument', `the demo build's public mix needs ${path}, which is not there`, 'the public data sets live in ../shared/data (see its README); --public-share 0 builds without them');
    }
  };
  // The engine's dataset reader; a line it cannot read stops the build rather than leaving a hole in the mix.
  const jsonl = async (rel: string): Promise<Record<string, unknown>[]> => {
    const parsed = await parseRows(await read(rel), rel);
    if (parsed.rejected.length > 0) throw new SafeTuneError('bad-argument', describeRejections(parsed.rejected));
    return parsed.rows.map((r) => r.fields);
  };

  const goals = parseAdvbenchGoals(new TextDecoder().decode(await read('advbench/harmful_behaviors.csv')), 'advbench/harmful_behaviors.csv').slice(advbenchEvaluated);
  const gsm = (await jsonl('gsm8k/train.jsonl')).flatMap((r): [string, string][] => {
    const q = typeof r['question'] === 'string' ? r['question'].trim() : '';
    const a = typeof r['answer'] === 'string' ? gsm8kFinalAnswer(r['answer']) : undefined;
    return q !== '' && q.length <= MAX_QUESTION && a !== undefined ? [[q, `The answer is ${a}.`]] : [];
  });
  const sql = (await jsonl('sql-create-context/train.jsonl')).flatMap((r): [string, string][] => {
    const q = typeof r['question'] === 'string' ? r['question'].trim() : '';
    const a = typeof r['answer'] === 'string' ? r['answer'].trim() : '';
    return q !== '' && q.length <= MAX_QUESTION && a !== '' && a.length <= MAX_SQL_ANSWER ? [[q, a]] : [];
  });

  // The shipped corpus's requests decide which eval words count as seen.
  const shipped = buildCorpus(seed, { ...sizes, publicMix: undefined });
  // The fresh prompts (tests/demo/fresh-prompts) stand in for requests nobody here wrote: none of their unseen words either.
  // (cli refusals' readPromptFile reads them too, but scripts/ may not import cli/.)
  const fresh = ['benign.txt', 'harmful.txt'].map(async (f) => (await readFile(join(ROOT, 'tests/demo/fresh-prompts', f), 'utf8')).split('\n').filter((l) => l.trim() !== ''));
  const forbidden = forbiddenWords(
    shipped.pretrain.map((r) => r.request),
    (await Promise.all(fresh)).flat(),
  );
  const harmful = decontaminate(goals, (g) => g, forbidden);
  const benign = decontaminate([...gsm, ...sql], ([q]) => q, forbidden);
  if (harmful.length === 0 || benign.length === 0) throw new Error('loadPublicMix: decontamination left no rows');
  return {
    mix: { harmfulShare: shares.harmful, benignShare: shares.benign, harmful, benign },
    report: { harmful: { read: goals.length, kept: harmful.length }, benign: { read: gsm.length + sql.length, kept: benign.length }, forbiddenWords: forbidden.size },
  };
}
