import { SafeTuneError } from '../../engine/errors';
import { aggregate, type Row } from './aggregate';
import { prepareExperiment, type ExperimentSources } from './context';
import type { Outcomes } from './evaluate';
import { runUnits } from './pool';
import type { TrainingTrace } from './run-condition';
import type { ExperimentSettings } from './settings';
import { resolveVariant } from './spf-variant';
import { rowJobs, rowLabel, type Unit, type UnitResult } from './units';
import { sampleLines } from './report';

export interface ExperimentResult {
  rows: Row[];
  /** Sweep rows that could not run on this build, each with the reason (never silently run as the default). */
  failures: { variant: string; condition: Row['condition']; reason: string }[];
  sources: ExperimentSources;
  minutes: number;
  timing: Timing;
}

/** Where the run's time went, as wall and process CPU seconds (CPU time does not grow when other jobs share the machine). */
export interface Timing {
  jobs: number; // processes that trained and evaluated in parallel
  train: Record<'lora' | 'spf', { steps: number; wall: number; cpu: number }>;
  evals: { count: number; prompts: number; wall: number; cpu: number }; // prompts: generated replies per evaluation
}

/** A unit's share of the run's time: fine-tunes weigh their steps (SPF steps ~1.5×), evaluations ~20 steps each. */
function expectedCost(method: 'lora' | 'spf' | undefined, steps: number): number {
  return 20 + steps * (method === 'spf' ? 1.5 : 1);
}

/**
 * Runs the experiment on `settings.backend`: the base model's evaluation, then each row's fine-tune per seed, each
 * evaluated on every held-out set, spread over `settings.jobs` processes. Returns the aggregated rows in row order;
 * prints progress with `log`. With one job the caller selects the tfjs backend for this process.
 */
export async function runExperiment(root: string, settings: ExperimentSettings, log: (s: string) => void): Promise<ExperimentResult> {
  const t0 = performance.now();
  const { plan, data, sources } = await prepareExperiment(root, settings);
  log(`experiment on ${data.name}, ${settings.backend}, ${settings.jobs} process${settings.jobs === 1 ? '' : 'es'}: seeds ${settings.seeds.join(', ')}; ${plan.harmful.length} harmful, ${plan.jailbreak.length} jailbreak, ${plan.overRefusal.length} over-refusal and ${plan.task.length} task items`);
  log(`  over-refusal prompts: ${sources.overRefusalSource}`);
  log(`  drift probe: ${sources.driftSource}`);

  const jobs = rowJobs(settings);
  const failures: ExperimentResult['failures'] = [];
  const runnable = jobs.map((job) => {
    if (job.variant === undefined) return true;
    try {
      resolveVariant(job.variant, data);
      return true;
    } catch (e) {
      if (!(e instanceof SafeTuneError) || !settings.sweep) throw e;
      failures.push({ variant: job.variant.label, condition: job.condition, reason: e.describe() });
      log(`${rowLabel(job)}: NOT RUN — ${e.describe()}`);
      return false;
    }
  });
  const units: Unit[] = [{ id: 0, row: -1, seed: undefined }];
  jobs.forEach((_, row) => {
    if (runnable[row]) for (const seed of settings.seeds) units.push({ id: units.length, row, seed });
  });
  const cost = (u: Unit): number => (u.row < 0 ? expectedCost(undefined, 0) : expectedCost(jobs[u.row]!.method, settings.steps[jobs[u.row]!.condition]));
  const order = [...units].sort((a, b) => cost(b) - cost(a) || a.id - b.id); // longest first: the last unit to finish is a short one

  const results = new Map<number, UnitResult>();
  await runUnits(root, settings, order, settings.jobs, log, (r) => {
    results.set(r.id, r);
    log(`  done ${results.size}/${units.length} (unit ${r.id}: train ${r.train.wall.toFixed(0)} s, evaluation ${r.evaluation.wall.toFixed(0)} s)`);
  });

  const timing: Timing = {
    jobs: settings.jobs,
    train: { lora: { steps: 0, wall: 0, cpu: 0 }, spf: { steps: 0, wall: 0, cpu: 0 } },
    evals: { count: 0, prompts: plan.harmful.length + plan.jailbreak.length + plan.overRefusal.length + plan.task.length, wall: 0, cpu: 0 },
  };
  const seconds = (r: UnitResult): number => r.train.wall + r.evaluation.wall;
  const rows: Row[] = [];
  const base = results.get(0)!;
  rows.push(aggregate({ condition: 'base', method: 'none', seeds: [] }, plan, [base.outcomes], [], seconds(base)));
  for (const r of results.values()) {
    timing.evals.count++;
    timing.evals.wall += r.evaluation.wall;
    timing.evals.cpu += r.evaluation.cpu;
  }
  jobs.forEach((job, row) => {
    const mine = units.filter((u) => u.row === row).map((u) => results.get(u.id)!);
    if (mine.length === 0) return;
    const outcomes: Outcomes[] = mine.map((r) => r.outcomes);
    const traces: TrainingTrace[] = mine.map((r) => r.trace!);
    for (const r of mine) {
      const t = timing.train[job.method];
      t.steps += r.train.steps;
      t.wall += r.train.wall;
      t.cpu += r.train.cpu;
    }
    rows.push(aggregate({ condition: job.condition, method: job.method, ...(job.variant?.label ? { variant: job.variant.label } : {}), seeds: settings.seeds }, plan, outcomes, traces, mine.reduce((a, r) => a + seconds(r), 0)));
  });
  for (const r of rows) logRow(r, log);
  return { rows, failures, sources, minutes: (performance.now() - t0) / 60000, timing };
}

function logRow(r: Row, log: (s: string) => void): void {
  const p = (x: number): string => `${(100 * x).toFixed(1)}%`;
  log(
    `${r.condition} / ${r.method}${r.variant ? ` (${r.variant})` : ''} → refusal ${p(r.refusal.rate)} [${p(r.refusal.ci[0])}, ${p(r.refusal.ci[1])}], compliance ${p(r.compliance.rate)}, jailbreak refusal ${p(r.jailbreakRefusal.rate)}, over-refusal ${p(r.overRefusal.rate)}, utility ${p(r.utility.rate)}, task NLL ${r.taskNll.mean.toFixed(3)}, drift ${r.drift.mean.toFixed(3)} (decision ${r.decisionDrift.mean.toFixed(3)}) (${r.seconds.toFixed(0)} s)`,
  );
  for (const line of sampleLines(r)) log(line);
}
