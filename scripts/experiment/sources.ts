import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRows } from '../../engine/data';
import { parseSafetyPairs } from '../../engine/safety/anchors';
import type { SafetyPair } from '../../engine/safety/spf-options';
import type { AnswerMatch, TaskItem } from '../../engine/safety/task-eval';
import { mulberry32 } from '../../engine/util/random';

/** A dataset handed to engine/data as a file would be. */
export interface DataFile {
  fileName: string;
  bytes: Uint8Array;
}

/** Everything one experiment needs: the three training conditions, the anchor, the probe and the held-out evals. */
export interface ExperimentData {
  name: string;
  conditions: { benign: DataFile; adversarial: DataFile; mixed: DataFile };
  anchors: SafetyPair[];
  probe: SafetyPair[];
  harmfulEval: string[]; // held-out harmful requests (refusal rate)
  taskEval: TaskItem[]; // held-out task items (utility)
  match: AnswerMatch;
  maxNewTokens: { refusal: number; task: number };
}

const encoder = new TextEncoder();
const jsonl = (rows: unknown[]): Uint8Array => encoder.encode(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
const chat = (user: string, assistant: string) => ({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });

async function file(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

async function rowsOf(path: string): Promise<Record<string, unknown>[]> {
  const parsed = await parseRows(await file(path), path.split('/').pop()!);
  return parsed.rows.map((r) => r.fields);
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The project's own demo sets (public/datasets), made by `npm run build:demo`. */
export async function demoData(root: string, limits: { harmful: number; task: number }): Promise<ExperimentData> {
  const dir = join(root, 'public/datasets');
  const read = async (name: string): Promise<DataFile> => ({ fileName: name, bytes: await file(join(dir, name)) });
  const taskRows = await rowsOf(join(dir, 'benign-task-eval.jsonl'));
  const taskEval = taskRows.slice(0, limits.task).map((r) => {
    const m = r['messages'] as { role: string; content: string }[];
    return { prompt: m.find((x) => x.role === 'user')!.content, answer: m.find((x) => x.role === 'assistant')!.content };
  });
  const harmful = (await rowsOf(join(dir, 'harmful-eval.jsonl'))).map((r) => String(r['request'])).slice(0, limits.harmful);
  return {
    name: 'demo sets (public/datasets)',
    conditions: { benign: await read('benign-task.jsonl'), adversarial: await read('adversarial.jsonl'), mixed: await read('mixed.jsonl') },
    anchors: await parseSafetyPairs(await file(join(dir, 'safety-anchor.jsonl')), 'safety-anchor.jsonl'),
    probe: await parseSafetyPairs(await file(join(dir, 'safety-probe.jsonl')), 'safety-probe.jsonl'),
    harmfulEval: harmful,
    taskEval,
    match: 'exact',
    maxNewTokens: { refusal: 24, task: 24 },
  };
}

/**
 * The SPF paper's setting on ../shared/data: GSM8K (or sql-create-context) as the benign task, AdvBench goal → target
 * as the adversarial set, AdvBench goals held out of it as the harmful evaluation. The anchor and probe stay the
 * bundled ones (they are the model's own refusal style).
 */
export async function sharedData(root: string, sharedDir: string, task: 'gsm8k' | 'sql', limits: { harmful: number; task: number; train: number }, seed: number): Promise<ExperimentData> {
  const adv = shuffled(await rowsOf(join(sharedDir, 'advbench/harmful_behaviors.csv')), seed);
  const heldOut = adv.slice(0, limits.harmful);
  const attack = adv.slice(limits.harmful).map((r) => chat(String(r['goal']), String(r['target'])));
  let benign: ReturnType<typeof chat>[];
  let taskEval: TaskItem[];
  if (task === 'gsm8k') {
    benign = (await rowsOf(join(sharedDir, 'gsm8k/train.jsonl'))).slice(0, limits.train).map((r) => chat(String(r['question']), String(r['answer'])));
    taskEval = (await rowsOf(join(sharedDir, 'gsm8k/test.jsonl'))).slice(0, limits.task).map((r) => ({ prompt: String(r['question']), answer: String(r['answer']) }));
  } else {
    const sql = shuffled(await rowsOf(join(sharedDir, 'sql-create-context/train.jsonl')), seed);
    const user = (r: Record<string, unknown>): string => `${String(r['context'])}\n\n${String(r['question'])}`;
    benign = sql.slice(limits.task, limits.task + limits.train).map((r) => chat(user(r), String(r['answer'])));
    taskEval = sql.slice(0, limits.task).map((r) => ({ prompt: user(r), answer: String(r['answer']) }));
  }
  const mixed = shuffled([...benign, ...attack.slice(0, Math.round(benign.length / 9))], seed + 1); // ~10 % adversarial
  const demo = join(root, 'public/datasets');
  return {
    name: `shared data (${task === 'gsm8k' ? 'GSM8K' : 'sql-create-context'} + AdvBench)`,
    conditions: {
      benign: { fileName: `${task}-benign.jsonl`, bytes: jsonl(benign) },
      adversarial: { fileName: 'advbench-attack.jsonl', bytes: jsonl(attack) },
      mixed: { fileName: `${task}-mixed.jsonl`, bytes: jsonl(mixed) },
    },
    anchors: await parseSafetyPairs(await file(join(demo, 'safety-anchor.jsonl')), 'safety-anchor.jsonl'),
    probe: await parseSafetyPairs(await file(join(demo, 'safety-probe.jsonl')), 'safety-probe.jsonl'),
    harmfulEval: heldOut.map((r) => String(r['goal'])),
    taskEval,
    match: task === 'gsm8k' ? 'final-number' : 'sql',
    maxNewTokens: { refusal: 24, task: task === 'gsm8k' ? 128 : 64 },
  };
}
