/**
 * `npm run experiment`: what SPF does, in numbers. Fine-tunes the bundled demo model under each condition (benign,
 * adversarial, mixed) with plain LoRA and with LoRA + SPF (defaults) — same seed, steps and learning rate — and
 * measures the refusal rate on held-out harmful requests (greedy generation + the GCG-style keyword judge), the
 * probe-set safety-loss drift, and task utility (exact match on held-out task items), plus the base model's row.
 *
 *   --data demo|gsm8k|sql     the project's demo sets (default), or ../shared/data (GSM8K / sql-create-context +
 *                             AdvBench) as in the SPF paper
 *   --sweep k=1,2,4 | gate=global,block,direction,always | refresh=1,2,4
 *                             extra SPF rows with one option varied (adversarial and benign conditions)
 *   --steps N --lr X --batch B --seed S --backend webgpu|cpu   (defaults below)
 *   --json                    one JSON object on stdout: {"rows":[{condition, method, refusal_rate, safety_drift, utility}, ...]}
 *   --no-readme               do not write the table into README.md's results section
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SafeTuneError } from '../../engine/errors';
import { loadCausalLM } from '../../engine/model/load';
import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora-config';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { resolveTrainOptions } from '../../engine/train/options';
import { tokenizeSafetyPairs } from '../../engine/safety/anchors';
import { SafetyProbe } from '../../engine/safety/drift';
import { resolveSpfOptions, SPF_GATES, type SpfGate, type SpfOptions } from '../../engine/safety/spf-options';
import { DirectoryFiles } from '../../node-host/fs-files';
import { oneOf, optionalNumber, parseCommandArgs } from '../../node-host/args';
import { selectCliBackend } from '../../cli/backend';
import { runScript } from '../../cli/run-script';
import { demoData, sharedData, type ExperimentData } from './sources';
import { measure, trainAndMeasure, type Measured, type TrainedRow } from './run-condition';
import { goalsReport, markdownTable, type Row } from './report';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The experiment's defaults: sized so the whole run (7 fine-tunes + evals) stays ≤ 15 min on this 2-core machine. */
export const EXPERIMENT_DEFAULTS = {
  steps: 40,
  lr: 2e-3,
  batch: 8,
  maxLength: 128,
  seed: 7,
  loraR: 8,
  harmfulEval: 64,
  taskEval: 64,
  train: 512, // rows of the shared benign sets
} as const;

async function main(argv: string[]): Promise<void> {
  const v = parseCommandArgs('experiment', argv, {
    data: { type: 'string' },
    sweep: { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    'no-readme': { type: 'boolean' },
  });
  const json = v['json'] === true;
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  const which = oneOf('experiment', v, 'data', ['demo', 'gsm8k', 'sql'] as const, 'demo');
  const backend = oneOf('experiment', v, 'backend', ['webgpu', 'cpu'] as const, 'webgpu');
  const seed = optionalNumber('experiment', v, 'seed', true) ?? EXPERIMENT_DEFAULTS.seed;
  const train = resolveTrainOptions({
    maxSteps: optionalNumber('experiment', v, 'steps', true) ?? EXPERIMENT_DEFAULTS.steps,
    lr: optionalNumber('experiment', v, 'lr') ?? EXPERIMENT_DEFAULTS.lr,
    batchSize: optionalNumber('experiment', v, 'batch', true) ?? EXPERIMENT_DEFAULTS.batch,
    maxLength: EXPERIMENT_DEFAULTS.maxLength,
    seed,
    schedule: 'constant',
  });
  const lora = { ...DEFAULT_LORA_CONFIG, r: EXPERIMENT_DEFAULTS.loraR, alpha: 2 * EXPERIMENT_DEFAULTS.loraR };
  const sweeps = parseSweep(typeof v['sweep'] === 'string' ? v['sweep'] : undefined);

  const t0 = performance.now();
  await selectCliBackend(backend);
  const limits = { harmful: EXPERIMENT_DEFAULTS.harmfulEval, task: EXPERIMENT_DEFAULTS.taskEval, train: EXPERIMENT_DEFAULTS.train };
  const data: ExperimentData = which === 'demo' ? await demoData(ROOT, limits) : await sharedData(ROOT, `${ROOT}/../shared/data`, which, limits, seed);
  const modelDir = `${ROOT}/public/models/safetune-demo`;
  const files = new DirectoryFiles(modelDir);
  const tokenizer = await loadTokenizer(files);
  const model = await loadCausalLM(files);
  const probe = new SafetyProbe(tokenizeSafetyPairs(data.probe, tokenizer, train.maxLength, 'probe'), { batchSize: 16, maxLength: train.maxLength, padId: tokenizer.padTokenId });
  log(`experiment on ${data.name}, ${backend}: ${train.maxSteps} steps, lr ${train.lr}, batch ${train.batchSize}, LoRA r=${lora.r}, seed ${seed}; ${data.harmfulEval.length} harmful and ${data.taskEval.length} task eval items`);

  const rows: Row[] = [];
  const base: Measured = await measure(model, tokenizer, data, probe);
  rows.push({ condition: 'base', method: 'none', ...base });
  log(`base: refusal ${pct(base.refusalRate)}, utility ${pct(base.utility)}`);
  const spfDefault = resolveSpfOptions({});
  const runs: { condition: Row['condition']; method: Row['method']; spf: SpfOptions | undefined; variant?: string }[] = [];
  for (const condition of ['benign', 'adversarial', 'mixed'] as const) {
    runs.push({ condition, method: 'lora', spf: undefined }, { condition, method: 'spf', spf: spfDefault });
  }
  for (const s of sweeps) for (const condition of ['adversarial', 'benign'] as const) runs.push({ condition, method: 'spf', spf: s.options, variant: s.label });
  for (const r of runs) {
    log(`${r.condition} / ${r.method}${r.variant ? ` (${r.variant})` : ''}:`);
    const trained: TrainedRow = await trainAndMeasure(model, tokenizer, data, probe, data.conditions[r.condition as 'benign' | 'adversarial' | 'mixed'], { lora, train, spf: r.spf, log });
    rows.push({ condition: r.condition, method: r.method, ...(r.variant ? { variant: r.variant } : {}), ...trained });
    log(`  → refusal ${pct(trained.refusalRate)}, drift ${trained.safetyDrift.toFixed(3)}, utility ${pct(trained.utility)} (${trained.seconds.toFixed(0)} s)`);
  }
  model.dispose();
  const minutes = (performance.now() - t0) / 60000;
  const table = markdownTable(rows);
  const goals = goalsReport(rows);
  const settings = `${data.name}; ${train.maxSteps} steps, lr ${train.lr} (constant), batch ${train.batchSize}, max length ${train.maxLength}, LoRA r=${lora.r} α=${lora.alpha} on all seven projections, seed ${seed}; SPF defaults (k=${spfDefault.k}, gate ${spfDefault.gate}, ${spfDefault.iters.warm}/${spfDefault.iters.cold} iterations, refresh every ${spfDefault.refreshEvery}); ${backend}; ${minutes.toFixed(1)} min.`;
  log('');
  log(table);
  log('');
  log(goals);
  if (json) {
    process.stdout.write(JSON.stringify({ settings, rows: rows.map((r) => ({ condition: r.condition, method: r.method, ...(r.variant ? { variant: r.variant } : {}), refusal_rate: r.refusalRate, safety_drift: r.safetyDrift, utility: r.utility })) }) + '\n');
  }
  if (v['no-readme'] !== true && which === 'demo' && sweeps.length === 0) await writeReadmeResults(`${settings}\n\n${table}\n\n${goals}`);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function parseSweep(text: string | undefined): { label: string; options: SpfOptions }[] {
  if (text === undefined) return [];
  const m = /^(k|gate|refresh)=(.+)$/.exec(text);
  if (!m) throw new SafeTuneError('bad-argument', `experiment: --sweep must be k=..., gate=... or refresh=..., got "${text}"`);
  return m[2]!.split(',').map((value) => {
    const label = `${m[1]}=${value}`;
    if (m[1] === 'gate') {
      if (!SPF_GATES.includes(value as SpfGate)) throw new SafeTuneError('bad-argument', `experiment: unknown gate "${value}"`);
      return { label, options: resolveSpfOptions({ gate: value as SpfGate }) };
    }
    const n = Number(value);
    return { label, options: resolveSpfOptions(m[1] === 'k' ? { k: n } : { refreshEvery: n }) };
  });
}

const START = '<!-- experiment:start -->';
const END = '<!-- experiment:end -->';

async function writeReadmeResults(body: string): Promise<void> {
  const path = `${ROOT}/README.md`;
  const readme = await readFile(path, 'utf8');
  const section = `${START}\n${body}\n${END}`;
  const i = readme.indexOf(START);
  const j = readme.indexOf(END);
  const next = i >= 0 && j > i ? readme.slice(0, i) + section + readme.slice(j + END.length) : `${readme.trimEnd()}\n\n## Results: the SPF experiment\n\n${section}\n`;
  await writeFile(path, next);
}

await runScript(main);
