import { join } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { DirectoryFiles } from '../../node-host/fs-files';
import { loadCausalLM } from '../../engine/model/load';
import type { CausalLM } from '../../engine/model/causal-lm';
import { DEFAULT_LORA_CONFIG } from '../../engine/model/lora-config';
import { resolveTrainOptions } from '../../engine/train/options';
import type { Condition } from './aggregate';
import { DEMO_MODEL_DIR, prepareExperiment, type ExperimentContext } from './context';
import { evaluateModel, type Outcomes } from './evaluate';
import { fineTune, type FineTuned, type TrainingTrace } from './run-condition';
import type { ExperimentSettings } from './settings';
import { DEFAULT_SPF_VARIANT, resolveVariant, sweepVariants, type SpfVariant } from './spf-variant';

/** One row to train: a condition with plain LoRA or an SPF variant. */
export interface RowJob {
  condition: Exclude<Condition, 'base'>;
  method: 'lora' | 'spf';
  variant: SpfVariant | undefined; // SPF rows only
}

/** The rows the run trains: every condition × {LoRA, SPF}, or with `sweep` every SPF variant on adversarial and benign. */
export function rowJobs(settings: ExperimentSettings): RowJob[] {
  if (settings.sweep) {
    const variants = sweepVariants().filter((v) => settings.sweepOnly === undefined || v.label.includes(settings.sweepOnly));
    if (variants.length === 0) throw new SafeTuneError('bad-argument', `experiment: no sweep row's label contains "${settings.sweepOnly}"`, `the rows: ${sweepVariants().map((v) => v.label).join('; ')}`);
    return variants.flatMap((v) => (['adversarial', 'benign'] as const).map((condition) => ({ condition, method: 'spf' as const, variant: v })));
  }
  return (['benign', 'adversarial', 'mixed', 'deep'] as const).flatMap((condition) => [
    { condition, method: 'lora' as const, variant: undefined },
    { condition, method: 'spf' as const, variant: DEFAULT_SPF_VARIANT },
  ]);
}

export function rowLabel(job: RowJob): string {
  return `${job.condition} / ${job.method}${job.variant?.label ? ` (${job.variant.label})` : ''}`;
}

/** The smallest piece of work: the base model's evaluation (`row` −1), or one row's fine-tune for one seed and its evaluation. */
export interface Unit {
  id: number;
  row: number; // index into rowJobs(settings); −1 for the base model
  seed: number | undefined;
}

export interface UnitResult {
  id: number;
  outcomes: Outcomes;
  trace: TrainingTrace | undefined; // undefined for the base model
  /** Process CPU and wall seconds of the fine-tune and of the evaluation. */
  train: { cpu: number; wall: number; steps: number };
  evaluation: { cpu: number; wall: number };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Runs units on one process's model: loads the demo model once, takes the drift probe's baseline on the base model
 * (so every unit's drift is against the same base, whichever process runs it), then fine-tunes and evaluates unit by
 * unit, each starting from the base model.
 */
export class UnitRunner {
  private constructor(
    private readonly settings: ExperimentSettings,
    private readonly context: ExperimentContext,
    private readonly model: CausalLM,
    private readonly jobs: RowJob[],
  ) {}

  static async open(root: string, settings: ExperimentSettings): Promise<UnitRunner> {
    const context = await prepareExperiment(root, settings);
    const model = await loadCausalLM(new DirectoryFiles(join(root, DEMO_MODEL_DIR)));
    try {
      await context.plan.probe.start(model);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return new UnitRunner(settings, context, model, rowJobs(settings));
  }

  async run(unit: Unit, log: (s: string) => void): Promise<UnitResult> {
    const { settings, context, model } = this;
    const train = { cpu: 0, wall: 0, steps: 0 };
    let tuned: FineTuned | undefined;
    try {
      if (unit.row >= 0) {
        const job = this.jobs[unit.row]!;
        const seed = unit.seed!;
        const options = resolveTrainOptions({ maxSteps: settings.steps[job.condition], lr: settings.lr, batchSize: settings.batch, maxLength: settings.maxLength, seed, schedule: 'constant' });
        const file = job.condition === 'deep' ? context.data.conditions.benign : context.data.conditions[job.condition];
        const spf = job.variant === undefined ? undefined : resolveVariant(job.variant, context.data);
        const lora = { ...DEFAULT_LORA_CONFIG, r: settings.loraR, alpha: 2 * settings.loraR };
        log(`${rowLabel(job)}, seed ${seed}: ${options.maxSteps} steps on ${file.fileName}`);
        const c = cpuSeconds();
        tuned = await fineTune(model, context.tokenizer, { file, lora, train: options, spf, probe: context.driftPairs }, log);
        Object.assign(train, { cpu: cpuSeconds() - c, wall: tuned.trace.seconds, steps: options.maxSteps! });
      }
      const w = performance.now();
      const c = cpuSeconds();
      const outcomes = await evaluateModel(model, context.tokenizer, context.plan);
      return { id: unit.id, outcomes, trace: tuned?.trace, train, evaluation: { cpu: cpuSeconds() - c, wall: (performance.now() - w) / 1000 } };
    } finally {
      await tuned?.release();
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
