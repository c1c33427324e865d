import { join } from 'node:path';
import { DirectoryFiles } from '../../node-host/fs-files';
import { SafeTuneError } from '../../engine/errors';
import { loadCausalLM } from '../../engine/model/load';
import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora-config';
import { tokenizeSafetyPairs } from '../../engine/safety/anchors';
import { SafetyProbe } from '../../engine/safety/drift';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { resolveTrainOptions } from '../../engine/train/options';
import { aggregate, type Condition, type Row } from './aggregate';
import { evaluateModel, type EvalPlan, type Outcomes } from './evaluate';
import { JAILBREAK_FRAMINGS, jailbreakPrompts, spreadSample } from './jailbreak';
import { fineTune, type FineTuned, type TrainingTrace } from './run-condition';
import { SHARED_LIMITS, type ExperimentSettings } from './settings';
import { demoData, sharedData, type ExperimentData } from './sources';
import { DEFAULT_SPF_VARIANT, resolveVariant, sweepVariants, type SpfVariant } from './spf-variant';
import { sampleLines } from './report';

export interface ExperimentResult {
  rows: Row[];
  /** Sweep rows that could not run on this build, each with the reason (never silently run as the default). */
  failures: { variant: string; condition: Condition; reason: string }[];
  /** Where each input came from (over-refusal prompts, drift probe), and the sizes used. */
  sources: { data: string; overRefusalSource: string; driftSource: string; harmful: number; jailbreak: number; overRefusal: number; task: number; available: { harmful: number; overRefusal: number; task: number; framings: number } };
  minutes: number;
  timing: Timing;
}

/** Where the run's time went, as wall and process CPU seconds (CPU time does not grow when other jobs share the machine). */
export interface Timing {
  train: Record<'lora' | 'spf', { steps: number; wall: number; cpu: number }>;
  evals: { count: number; prompts: number; wall: number; cpu: number }; // prompts: generated replies per evaluation
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface RowJob {
  condition: Exclude<Condition, 'base'>;
  method: 'lora' | 'spf';
  variant: SpfVariant | undefined; // SPF rows only
}

/** The rows the run trains: every condition × {LoRA, SPF}, or with `sweep` every SPF variant on adversarial and benign. */
function rowJobs(settings: ExperimentSettings): RowJob[] {
  if (settings.sweep) return sweepVariants().flatMap((v) => (['adversarial', 'benign'] as const).map((condition) => ({ condition, method: 'spf' as const, variant: v })));
  return (['benign', 'adversarial', 'mixed', 'deep'] as const).flatMap((condition) => [
    { condition, method: 'lora' as const, variant: undefined },
    { condition, method: 'spf' as const, variant: DEFAULT_SPF_VARIANT },
  ]);
}

const cap = <T>(xs: readonly T[], n: number | undefined): T[] => (n === undefined ? [...xs] : spreadSample(xs, n));

/**
 * Runs the experiment on the current tfjs backend (the caller selects it): the base model's row, then each row's
 * fine-tune per seed, each evaluated on every held-out set. Returns the aggregated rows; prints progress with `log`.
 */
export async function runExperiment(root: string, settings: ExperimentSettings, log: (s: string) => void): Promise<ExperimentResult> {
  const t0 = performance.now();
  const data: ExperimentData = settings.data === 'demo' ? await demoData(root) : await sharedData(root, join(root, '../shared/data'), settings.data, SHARED_LIMITS, settings.seeds[0]!);
  const files = new DirectoryFiles(join(root, 'public/models/safetune-demo'));
  const tokenizer = await loadTokenizer(files);
  const harmful = cap(data.harmfulEval, settings.limits.harmful);
  const task = cap(data.taskEval, settings.limits.task);
  const driftPairs = cap(data.drift.pairs, settings.limits.probe);
  const plan: EvalPlan = {
    data,
    harmful,
    jailbreak: jailbreakPrompts(spreadSample(harmful, settings.limits.jailbreak)),
    overRefusal: cap(data.overRefusal.items, settings.limits.overRefusal),
    task,
    taskNllExamples: tokenizeSafetyPairs(task.map((t) => ({ request: t.prompt, refusal: t.answer })), tokenizer, settings.maxLength, 'task eval'),
    probe: new SafetyProbe(tokenizeSafetyPairs(driftPairs, tokenizer, settings.maxLength, 'drift probe'), { batchSize: 16, maxLength: settings.maxLength, padId: tokenizer.padTokenId }),
    batchSize: 16,
    maxLength: settings.maxLength,
    padId: tokenizer.padTokenId,
    maxNewTokens: settings.maxNewTokens === undefined ? data.maxNewTokens : { refusal: settings.maxNewTokens, task: settings.maxNewTokens },
  };
  const sources = {
    data: data.name,
    overRefusalSource: data.overRefusal.source,
    driftSource: data.drift.source,
    harmful: plan.harmful.length,
    jailbreak: plan.jailbreak.length,
    overRefusal: plan.overRefusal.length,
    task: plan.task.length,
    available: { harmful: data.harmfulEval.length, overRefusal: data.overRefusal.items.length, task: data.taskEval.length, framings: JAILBREAK_FRAMINGS.length },
  };
  log(`experiment on ${data.name}, ${settings.backend}: seeds ${settings.seeds.join(', ')}; ${plan.harmful.length} harmful, ${plan.jailbreak.length} jailbreak, ${plan.overRefusal.length} over-refusal and ${plan.task.length} task items`);
  log(`  over-refusal prompts: ${sources.overRefusalSource}`);
  log(`  drift probe: ${sources.driftSource}`);

  const model = await loadCausalLM(files); // disposed in the finally below
  const timing: Timing = {
    train: { lora: { steps: 0, wall: 0, cpu: 0 }, spf: { steps: 0, wall: 0, cpu: 0 } },
    evals: { count: 0, prompts: plan.harmful.length + plan.jailbreak.length + plan.overRefusal.length + plan.task.length, wall: 0, cpu: 0 },
  };
  const timedEval = async (): Promise<Outcomes> => {
    const w = performance.now();
    const c = cpuSeconds();
    const o = await evaluateModel(model, tokenizer, plan);
    timing.evals.count++;
    timing.evals.wall += (performance.now() - w) / 1000;
    timing.evals.cpu += cpuSeconds() - c;
    return o;
  };
  const rows: Row[] = [];
  const failures: ExperimentResult['failures'] = [];
  try {
    const tb = performance.now();
    const base = await timedEval();
    rows.push(aggregate({ condition: 'base', method: 'none', seeds: [] }, plan, [base], [], (performance.now() - tb) / 1000));
    logRow(rows[rows.length - 1]!, log);

    const lora = { ...DEFAULT_LORA_CONFIG, r: settings.loraR, alpha: 2 * settings.loraR };
    for (const job of rowJobs(settings)) {
      const label = `${job.condition} / ${job.method}${job.variant?.label ? ` (${job.variant.label})` : ''}`;
      let spf: ReturnType<typeof resolveVariant> | undefined;
      if (job.variant) {
        try {
          spf = resolveVariant(job.variant, data.anchors);
        } catch (e) {
          if (!(e instanceof SafeTuneError) || !settings.sweep) throw e;
          failures.push({ variant: job.variant.label, condition: job.condition, reason: e.describe() });
          log(`${label}: NOT RUN — ${e.describe()}`);
          continue;
        }
      }
      log(`${label}:`);
      const tr = performance.now();
      const outcomes: Outcomes[] = [];
      const traces: TrainingTrace[] = [];
      for (const seed of settings.seeds) {
        const train = resolveTrainOptions({ maxSteps: settings.steps[job.condition], lr: settings.lr, batchSize: settings.batch, maxLength: settings.maxLength, seed, schedule: 'constant' });
        const file = job.condition === 'deep' ? data.conditions.benign : data.conditions[job.condition];
        log(`  seed ${seed}: ${train.maxSteps} steps on ${file.fileName}`);
        let tuned: FineTuned | undefined;
        try {
          const c = cpuSeconds();
          tuned = await fineTune(model, tokenizer, { file, lora, train, spf, probe: driftPairs }, log);
          const trace = tuned.trace;
          const t = timing.train[job.method];
          t.steps += train.maxSteps!;
          t.wall += trace.seconds;
          t.cpu += cpuSeconds() - c;
          traces.push(trace);
          outcomes.push(await timedEval());
        } finally {
          await tuned?.release();
        }
      }
      rows.push(aggregate({ condition: job.condition, method: job.method, ...(job.variant?.label ? { variant: job.variant.label } : {}), seeds: settings.seeds }, plan, outcomes, traces, (performance.now() - tr) / 1000));
      logRow(rows[rows.length - 1]!, log);
    }
  } finally {
    model.dispose();
  }
  return { rows, failures, sources, minutes: (performance.now() - t0) / 60000, timing };
}

function logRow(r: Row, log: (s: string) => void): void {
  const p = (x: number): string => `${(100 * x).toFixed(1)}%`;
  log(
    `  → refusal ${p(r.refusal.rate)} [${p(r.refusal.ci[0])}, ${p(r.refusal.ci[1])}], compliance ${p(r.compliance.rate)}, jailbreak refusal ${p(r.jailbreakRefusal.rate)}, over-refusal ${p(r.overRefusal.rate)}, utility ${p(r.utility.rate)}, task NLL ${r.taskNll.mean.toFixed(3)}, drift ${r.drift.mean.toFixed(3)} (${r.seconds.toFixed(0)} s)`,
  );
  for (const line of sampleLines(r)) log(line);
}
