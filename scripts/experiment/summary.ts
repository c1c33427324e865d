import { availableParallelism } from 'node:os';
import type { ExperimentResult } from './experiment';
import { breakdownTables, goals, goalsReport, markdownTable, spfMetricsTable } from './report';
import { EXPERIMENT_DEFAULTS, runSize, type ExperimentSettings } from './settings';

/** The run's settings and sources as one paragraph (the README's results section opens with it). */
export function settingsLine(s: ExperimentSettings, r: ExperimentResult): string {
  return [
    `${r.sources.data}; seeds ${s.seeds.join(', ')}; steps benign ${s.steps.benign}, adversarial ${s.steps.adversarial}, mixed ${s.steps.mixed}, deep ${s.steps.deep} (the benign set);`,
    `lr ${s.lr} (constant), batch ${s.batch}, max length ${s.maxLength}, LoRA r=${s.loraR} α=${2 * s.loraR} on all seven projections; SPF: the engine's defaults with every row of safety-anchor.jsonl;`,
    `${r.sources.harmful} of ${r.sources.available.harmful} harmful items, ${r.sources.jailbreak} jailbreak prompts, ${r.sources.overRefusal} over-refusal prompts from ${r.sources.overRefusalSource}, ${r.sources.task} task items; greedy replies of up to ${r.sources.maxNewTokens.refusal} tokens (task: ${r.sources.maxNewTokens.task}, its longest answer and the end token);`,
    `drift probe: ${r.sources.driftSource}; intervals: Wilson on the design-effect sample size of the seed × item table (scripts/experiment/interval.ts);`,
    `${s.backend}; ${r.minutes.toFixed(1)} min.`,
  ].join(' ');
}

/** Everything the run prints at the end, and what goes into the README: settings, tables, failures, goals. */
export function reportText(settings: ExperimentSettings, r: ExperimentResult): string {
  const failures = r.failures.map((f) => `- ${f.condition} / SPF (${f.variant}): not run — ${f.reason}`);
  const spf = spfMetricsTable(r.rows);
  return [
    settingsLine(settings, r),
    '',
    markdownTable(r.rows),
    '',
    breakdownTables(r.rows),
    ...(spf ? ['', spf] : []),
    ...(failures.length > 0 ? ['', 'Sweep rows this build cannot run:', ...failures] : []),
    '',
    goalsReport(goals(r.rows)),
    ...(settings.quick ? ['', projection(r, settings)] : []),
  ].join('\n');
}

/**
 * How long the default run would take on this backend, projected from this run's timings: optimizer steps × the mean
 * seconds per LoRA / SPF step, plus evaluations × prompts × the mean seconds per generated prompt. Seconds per prompt
 * are linear, so the projection is an upper bound for the default's larger evaluations (more prompts share each
 * batched forward pass). Given as process CPU time (what the run costs on an idle core) and as the wall time of
 * `target.jobs` processes sharing it on an idle machine.
 */
export function projection(r: ExperimentResult, ran: ExperimentSettings, target: ExperimentSettings = { ...EXPERIMENT_DEFAULTS, jobs: availableParallelism() }): string {
  const { train, evals } = r.timing;
  if (ran.batch !== target.batch || ran.maxLength !== target.maxLength) {
    return `No projection of the default run's time: this run's batch ${ran.batch} × ${ran.maxLength} tokens is not the default's ${target.batch} × ${target.maxLength} (run \`--quick --batch ${target.batch}\`).`;
  }
  if (train.lora.steps === 0 || train.spf.steps === 0 || evals.count === 0) return '';
  const size = runSize(target, r.sources.available);
  const cpuMinutes = (size.stepsPerMethod * (train.lora.cpu / train.lora.steps + train.spf.cpu / train.spf.steps) + size.evals * size.prompts * (evals.cpu / (evals.count * evals.prompts))) / 60;
  const per = (x: number): string => x.toFixed(2);
  return (
    `Projected default run (${size.stepsPerMethod} steps per method, ${size.evals} evaluations of ${size.prompts} prompts): ${cpuMinutes.toFixed(0)} min of process CPU time, ` +
    `~${(cpuMinutes / target.jobs).toFixed(0)} min on an idle machine with ${target.jobs} process${target.jobs === 1 ? '' : 'es'} — per LoRA step ${per(train.lora.cpu / train.lora.steps)} s CPU (${per(train.lora.wall / train.lora.steps)} s wall), ` +
    `per SPF step ${per(train.spf.cpu / train.spf.steps)} s CPU (${per(train.spf.wall / train.spf.steps)} s wall), per generated prompt ${per(evals.cpu / (evals.count * evals.prompts))} s CPU ` +
    `(${per(evals.wall / (evals.count * evals.prompts))} s wall; linear in prompts, so an upper bound).`
  );
}
