/**
 * `npx tsx scripts/demo/measure-lora.ts [--steps N] [--lr X] [--batch B] [--model DIR] [--dataset-dir DIR] [--backend wasm|webgpu|cpu]`
 *
 * Is the demo model a good subject for SPF? Plain LoRA (r = 8, α = 16, all seven projections, constant lr) on
 * public/datasets/benign-task.jsonl, then greedy exact match on benign-task-eval.jsonl — before and after. The model
 * should not know the task before (≈ 0 %) and learn it in a few dozen steps.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectCliBackend } from '../../node-host/backend';
import { DirectoryFiles } from '../../node-host/fs-files';
import { loadCausalLM } from '../../engine/model/load';
import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora';
import { evaluateTask } from '../../engine/safety/task-eval';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { resolveTrainOptions } from '../../engine/train/options';
import { Trainer } from '../../engine/train/trainer';
import { encodeRow } from './train/encode-row';
import { selectWasmBackend } from './train/wasm-backend';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const { values } = parseArgs({
  options: { steps: { type: 'string' }, lr: { type: 'string' }, batch: { type: 'string' }, model: { type: 'string' }, 'dataset-dir': { type: 'string' }, backend: { type: 'string' } },
  strict: true,
});
const steps = Number(values.steps ?? 60);
const lr = Number(values.lr ?? 5e-3);
const batchSize = Number(values.batch ?? 16);
const modelDir = values.model ?? join(ROOT, 'public/models/safetune-demo');
const datasetDir = values['dataset-dir'] ?? join(ROOT, 'public/datasets');
const backend = values.backend ?? 'wasm';
if (backend === 'wasm') {
  tf.env().set('PROD', true);
  await selectWasmBackend();
} else if (backend === 'webgpu' || backend === 'cpu') await selectCliBackend(backend);
else throw new Error(`--backend must be wasm, webgpu or cpu, got "${backend}"`);

const chatRows = async (file: string): Promise<{ request: string; answer: string }[]> =>
  (await readFile(join(datasetDir, file), 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { messages: { content: string }[] }).messages)
    .map((m) => ({ request: m[0]!.content, answer: m[1]!.content }));
const train = await chatRows('benign-task.jsonl');
const evalItems = (await chatRows('benign-task-eval.jsonl')).map((r) => ({ prompt: r.request, answer: r.answer }));

const files = new DirectoryFiles(modelDir);
const tokenizer = await loadTokenizer(files);
const model = await loadCausalLM(files, { adapter: { kind: 'init', config: { ...DEFAULT_LORA_CONFIG, r: 8, alpha: 16 }, seed: 1 } });
// Room for the longest expected answer and its end of turn: a fixed cap shorter than an answer would make exact match
// impossible whatever LoRA learned.
const maxNewTokens = Math.max(...evalItems.map((e) => tokenizer.encode(e.answer).length)) + 2;
const score = async (): Promise<number> => (await evaluateTask(model, tokenizer, evalItems, { match: 'exact', maxNewTokens })).accuracy;

const before = await score();
const examples = train.map((r, i) => ({ ...encodeRow(tokenizer, r), truncated: false, source: { file: 'benign-task.jsonl', line: i + 1 } }));
const trainer = new Trainer(model, examples, [], resolveTrainOptions({ lr, maxSteps: steps, batchSize, schedule: 'constant', seed: 7 }), tokenizer.padTokenId);
const t0 = performance.now();
let loss = NaN;
for (let s = 1; s <= steps; s++) loss = (await trainer.trainStep()).loss;
const after = await score();
process.stdout.write(
  JSON.stringify({ model: modelDir, datasets: datasetDir, backend, lora: { r: 8, alpha: 16, targets: 'all' }, steps, lr, batchSize, schedule: 'constant', evalRows: evalItems.length, maxNewTokens, exactMatchBefore: before, exactMatchAfter: after, finalLoss: loss, trainSeconds: (performance.now() - t0) / 1000 }) + '\n',
);
model.dispose();
