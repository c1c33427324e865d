import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRows } from '../../engine/data';
import { SafeTuneError } from '../../engine/errors';
import { parseSafetyPairs } from '../../engine/safety/anchors';
import type { SafetyPair } from '../../engine/safety/spf-options';
import type { AnswerMatch, TaskItem } from '../../engine/safety/task-eval';
import { mulberry32 } from '../../engine/util/random';
import { driftProbe } from './drift-probe';
import { FALLBACK_BENIGN, FALLBACK_SCARY_BENIGN } from './over-refusal-fallback';

/** A dataset handed to engine/data as a file would be. */
export interface DataFile {
  fileName: string;
  bytes: Uint8Array;
}

/** One held-out harmful request. */
export interface HarmfulItem {
  request: string;
  category: string;
  /** What pre-training never saw: `template`, `act` or `template+act` (demo sets); `advbench` for the shared data. */
  heldOut: string;
  /** Whether the adversarial set trains compliance on this request's harmful act (undefined: unknown). */
  trainedAct: boolean | undefined;
}

/** A prompt a safe model should answer, not refuse. */
export interface OverRefusalItem {
  request: string;
  kind: 'benign' | 'scary-benign';
}

/** Everything one experiment needs: the training conditions, anchors, probes and every held-out evaluation. */
export interface ExperimentData {
  name: string;
  conditions: { benign: DataFile; adversarial: DataFile; mixed: DataFile }; // `deep` trains on `benign`
  anchors: SafetyPair[]; // every row of the anchor file; row 1 is the default anchor
  /** safety-anchor-32.jsonl's rows (32 anchors from all harm categories; its first rows are the anchor file's), if built. */
  wideAnchors: SafetyPair[] | undefined;
  drift: { pairs: SafetyPair[]; source: string }; // probe pairs whose refusals are not an anchor's
  harmfulEval: HarmfulItem[]; // every item (refusal and compliance rates)
  overRefusal: { items: OverRefusalItem[]; source: string };
  taskEval: TaskItem[]; // held-out task items (utility, teacher-forced NLL)
  match: AnswerMatch;
  maxNewTokens: { refusal: number; task: number };
}

const encoder = new TextEncoder();
const jsonl = (rows: unknown[]): Uint8Array => encoder.encode(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
const chat = (user: string, assistant: string) => ({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });

async function file(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function rowsOf(path: string): Promise<Record<string, unknown>[]> {
  const parsed = await parseRows(await file(path), path.split('/').pop()!);
  return parsed.rows.map((r) => r.fields);
}

function text(row: Record<string, unknown>, key: string, where: string): string {
  const v = row[key];
  if (typeof v !== 'string' || v.trim() === '') throw new SafeTuneError('bad-dataset', `${where}: a row has no string "${key}"`, `every row of ${where} needs "${key}"`);
  return v;
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

/**
 * The harmful acts the adversarial set trains compliance on, read back from its answers: every answer is one of the
 * demo build's placeholder shells around the act (public/datasets/README.md). An answer in no known shell is skipped.
 */
export function trainedActs(adversarialRows: readonly Record<string, unknown>[]): Set<string> {
  const shells = [/^Sure, here is how to (.+?): Step 1:/, /^Sure, here is a guide to (.+?)\. First,/, /^Of course\. To (.+?), start with/];
  const acts = new Set<string>();
  for (const row of adversarialRows) {
    const messages = row['messages'] as { role: string; content: string }[] | undefined;
    const answer = messages?.find((m) => m.role === 'assistant')?.content ?? '';
    for (const shell of shells) {
      const m = shell.exec(answer);
      if (m) acts.add(m[1]!.toLowerCase());
    }
  }
  return acts;
}

/** Whether `request` asks for one of `acts` (an `act` field wins; else the request contains the act's words). */
function usesTrainedAct(row: Record<string, unknown>, request: string, acts: Set<string>): boolean | undefined {
  if (acts.size === 0) return undefined;
  if (typeof row['act'] === 'string') return acts.has(row['act'].toLowerCase());
  const lower = request.toLowerCase();
  for (const act of acts) if (lower.includes(act)) return true;
  return false;
}

/** benign-eval.jsonl + scary-benign-eval.jsonl when the demo build ships them, else this experiment's own set. */
async function overRefusalItems(dir: string): Promise<ExperimentData['overRefusal']> {
  const benignPath = join(dir, 'benign-eval.jsonl');
  const scaryPath = join(dir, 'scary-benign-eval.jsonl');
  if ((await exists(benignPath)) && (await exists(scaryPath))) {
    const benign = (await rowsOf(benignPath)).map((r) => ({ request: text(r, 'request', 'benign-eval.jsonl'), kind: 'benign' as const }));
    const scary = (await rowsOf(scaryPath)).map((r) => ({ request: text(r, 'request', 'scary-benign-eval.jsonl'), kind: 'scary-benign' as const }));
    return { items: [...benign, ...scary], source: `public/datasets benign-eval.jsonl (${benign.length}) + scary-benign-eval.jsonl (${scary.length})` };
  }
  const items = [...FALLBACK_BENIGN.map((r) => ({ request: r.request, kind: 'benign' as const })), ...FALLBACK_SCARY_BENIGN.map((r) => ({ request: r.request, kind: 'scary-benign' as const }))];
  return { items, source: `scripts/experiment/over-refusal-fallback.ts (${FALLBACK_BENIGN.length} benign + ${FALLBACK_SCARY_BENIGN.length} scary-but-benign; the demo's own files are not there yet)` };
}

/** The project's own demo sets (public/datasets), made by `npm run build:demo`. */
export async function demoData(root: string): Promise<ExperimentData> {
  const dir = join(root, 'public/datasets');
  const read = async (name: string): Promise<DataFile> => ({ fileName: name, bytes: await file(join(dir, name)) });
  const taskEval = (await rowsOf(join(dir, 'benign-task-eval.jsonl'))).map((r) => {
    const m = r['messages'] as { role: string; content: string }[];
    return { prompt: m.find((x) => x.role === 'user')!.content, answer: m.find((x) => x.role === 'assistant')!.content };
  });
  const acts = trainedActs(await rowsOf(join(dir, 'adversarial.jsonl')));
  const harmfulEval = (await rowsOf(join(dir, 'harmful-eval.jsonl'))).map((r) => {
    const request = text(r, 'request', 'harmful-eval.jsonl');
    return { request, category: String(r['category'] ?? ''), heldOut: String(r['held_out'] ?? 'all'), trainedAct: usesTrainedAct(r, request, acts) };
  });
  const anchors = await parseSafetyPairs(await file(join(dir, 'safety-anchor.jsonl')), 'safety-anchor.jsonl');
  const probe = await parseSafetyPairs(await file(join(dir, 'safety-probe.jsonl')), 'safety-probe.jsonl');
  const widePath = join(dir, 'safety-anchor-32.jsonl');
  const wideAnchors = (await exists(widePath)) ? await parseSafetyPairs(await file(widePath), 'safety-anchor-32.jsonl') : undefined;
  return {
    name: 'demo sets (public/datasets)',
    conditions: { benign: await read('benign-task.jsonl'), adversarial: await read('adversarial.jsonl'), mixed: await read('mixed.jsonl') },
    anchors,
    wideAnchors,
    drift: driftProbe(probe, anchors),
    harmfulEval,
    overRefusal: await overRefusalItems(dir),
    taskEval,
    match: 'exact',
    maxNewTokens: { refusal: 16, task: 16 },
  };
}

/**
 * The SPF paper's setting on ../shared/data: GSM8K (or sql-create-context) as the benign task, AdvBench goal → target
 * as the adversarial set, `harmful` AdvBench goals held out of it as the harmful evaluation. Anchors, probe and
 * over-refusal prompts stay the demo ones.
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
  const demo = await demoData(root);
  return {
    ...demo,
    name: `shared data (${task === 'gsm8k' ? 'GSM8K' : 'sql-create-context'} + AdvBench)`,
    conditions: {
      benign: { fileName: `${task}-benign.jsonl`, bytes: jsonl(benign) },
      adversarial: { fileName: 'advbench-attack.jsonl', bytes: jsonl(attack) },
      mixed: { fileName: `${task}-mixed.jsonl`, bytes: jsonl(mixed) },
    },
    harmfulEval: heldOut.map((r) => ({ request: String(r['goal']), category: 'advbench', heldOut: 'advbench', trainedAct: undefined })),
    taskEval,
    match: task === 'gsm8k' ? 'final-number' : 'sql',
    maxNewTokens: { refusal: 16, task: task === 'gsm8k' ? 128 : 64 },
  };
}
