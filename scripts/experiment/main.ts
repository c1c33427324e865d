/**
 * `npm run experiment`: can the methods be told apart? Fine-tunes the bundled demo model under each condition
 * (benign, adversarial, mixed, deep = the benign set for ≥ 5× the benign steps) with plain LoRA and with LoRA + SPF
 * (its defaults), over several seeds, and measures on every held-out set: the refusal and compliance-marker rates on
 * every harmful eval item (overall, per held-out group, and split by whether the attack trains the act), jailbreak
 * refusal (held-out requests in common jailbreak framings), over-refusal (benign and scary-but-benign prompts),
 * task utility (exact match) and teacher-forced task NLL, and drift on a probe set whose refusals are not the
 * anchor's. Every rate comes with a 95 % interval (interval.ts says which and why).
 *
 *   --backend wasm|webgpu|cpu the tfjs backend (default wasm: the demo model is too small to gain from a GPU)
 *   --jobs N                 processes training and evaluating in parallel (default: one per core; --quick: 1)
 *   --quick                  every stage at toy size (1 step per fine-tune, a few items): a smoke run, numbers mean nothing
 *   --sweep                  SPF variants instead of the default rows: gate global / block / direction / always,
 *                            project update / gradient / both, 1 vs 4 anchors (adversarial and benign; outside the
 *                            default run's time budget). A variant this build cannot run is reported, not run.
 *   --sweep-only TEXT        with --sweep: only the rows whose label contains TEXT (e.g. "anchors=32")
 *   --seeds 7,8,9 --steps-benign N --steps-adversarial N --steps-mixed N --steps-deep N --lr X --batch B
 *   --data demo|gsm8k|sql    the demo sets (default), or ../shared/data (GSM8K / sql-create-context + AdvBench)
 *   --json                   one JSON object on stdout: {"settings": ..., "rows": [...]}; the log goes to stderr
 *   --no-readme              do not write the results into README.md's results section
 */
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SafeTuneError } from '../../engine/errors';
import { oneOf, optionalNumber, parseCommandArgs } from '../../node-host/args';
import { selectCliBackend } from '../../node-host/backend';
import { runScript } from '../../node-host/run-script';
import { jsonRow } from './aggregate';
import { runExperiment, type ExperimentResult } from './experiment';
import { reportText } from './summary';
import { EXPERIMENT_DEFAULTS, QUICK_SETTINGS, type ExperimentSettings } from './settings';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function parseSettings(argv: string[]): { settings: ExperimentSettings; json: boolean; readme: boolean } {
  const v = parseCommandArgs('experiment', argv, {
    backend: { type: 'string' },
    quick: { type: 'boolean' },
    sweep: { type: 'boolean' },
    'sweep-only': { type: 'string' },
    seeds: { type: 'string' },
    'steps-benign': { type: 'string' },
    'steps-adversarial': { type: 'string' },
    'steps-mixed': { type: 'string' },
    'steps-deep': { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    data: { type: 'string' },
    json: { type: 'boolean' },
    'no-readme': { type: 'boolean' },
    jobs: { type: 'string' },
  });
  const quick = v['quick'] === true;
  const base: ExperimentSettings = quick ? { ...EXPERIMENT_DEFAULTS, ...QUICK_SETTINGS, quick: true } : { ...EXPERIMENT_DEFAULTS };
  const int = (key: string): number | undefined => optionalNumber('experiment', v, key, true);
  const seeds = typeof v['seeds'] === 'string' ? v['seeds'].split(',').map((s) => Number(s.trim())) : base.seeds;
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new SafeTuneError('bad-argument', `experiment: --seeds must be non-negative integers, got "${String(v['seeds'])}"`);
  const steps = {
    benign: int('steps-benign') ?? base.steps.benign,
    adversarial: int('steps-adversarial') ?? base.steps.adversarial,
    mixed: int('steps-mixed') ?? base.steps.mixed,
    deep: int('steps-deep') ?? base.steps.deep,
  };
  const batch = int('batch') ?? base.batch;
  const settings: ExperimentSettings = {
    ...base,
    // --quick --batch 8 keeps the default's batch and length, so its timings project to the default run
    maxLength: quick && batch === EXPERIMENT_DEFAULTS.batch ? EXPERIMENT_DEFAULTS.maxLength : base.maxLength,
    backend: oneOf('experiment', v, 'backend', ['cpu', 'wasm', 'webgpu'] as const, 'wasm'),
    data: oneOf('experiment', v, 'data', ['demo', 'gsm8k', 'sql'] as const, 'demo'),
    seeds,
    steps,
    lr: optionalNumber('experiment', v, 'lr') ?? base.lr,
    batch,
    sweep: v['sweep'] === true,
    sweepOnly: typeof v['sweep-only'] === 'string' ? v['sweep-only'] : undefined,
    jobs: int('jobs') ?? (quick ? base.jobs : availableParallelism()),
  };
  if (settings.sweepOnly !== undefined && !settings.sweep) throw new SafeTuneError('bad-argument', 'experiment: --sweep-only needs --sweep');
  if (settings.jobs < 1) throw new SafeTuneError('bad-argument', `experiment: --jobs must be at least 1, got ${settings.jobs}`);
  return { settings, json: v['json'] === true, readme: v['no-readme'] !== true && !quick && !settings.sweep && settings.data === 'demo' };
}

async function main(argv: string[]): Promise<void> {
  const { settings, json, readme } = parseSettings(argv);
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  if (settings.jobs === 1) await selectCliBackend(settings.backend); // else each worker process selects its own
  const result = await runExperiment(ROOT, settings, log);
  const text = reportText(settings, result);
  log('');
  log(text);
  if (json) {
    const body = { settings: { ...settings, sources: result.sources, minutes: Number(result.minutes.toFixed(2)), failures: result.failures }, rows: result.rows.map(jsonRow) };
    process.stdout.write(JSON.stringify(body) + '\n');
  }
  if (readme) await writeReadmeResults(text);
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
