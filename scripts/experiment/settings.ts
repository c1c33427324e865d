import type { BackendName } from '../../engine/backend';
/**
 * The experiment's sizes: every default in one place, and the `--quick` sizes (a smoke run whose numbers mean
 * nothing). Steps are optimizer steps per fine-tune; `deep` trains on the benign set for ≥ 5× the benign run's steps.
 */
export interface ExperimentSettings {
  data: 'demo' | 'gsm8k' | 'sql';
  backend: BackendName; // the tfjs backend of every process that trains
  seeds: number[]; // one fine-tune per seed per row (adapter init, data order)
  steps: { benign: number; adversarial: number; mixed: number; deep: number };
  lr: number; // constant schedule
  batch: number;
  maxLength: number;
  loraR: number; // alpha = 2r, all seven projections
  /** Item caps (undefined: every item). The harmful eval is never capped outside --quick. */
  limits: { harmful: number | undefined; jailbreak: number; overRefusal: number | undefined; task: number | undefined; probe: number | undefined };
  maxNewTokens: number | undefined; // per generated reply; undefined: the data's (16 for the demo sets)
  /** Processes that train and evaluate in parallel (one per core: the wasm backend computes on one thread). */
  jobs: number;
  sweep: boolean; // the SPF variant rows (adversarial and benign) instead of the default rows
  /** With `sweep`: only the rows whose label contains this text (undefined: every row). */
  sweepOnly: string | undefined;
  quick: boolean;
}

export const EXPERIMENT_DEFAULTS: ExperimentSettings = {
  data: 'demo',
  backend: 'wasm',
  seeds: [7, 8, 9],
  // Benign: two epochs of the 300-row identity task at batch 8, so that plain LoRA clearly learns it (the goal is a
  // gain of ≥ 50 points: 60 steps, 1.6 epochs, gave 48.8 over seeds 7–9; 75 gave 55.2). deep = 5× the benign run.
  steps: { benign: 75, adversarial: 40, mixed: 60, deep: 375 },
  lr: 5e-3,
  batch: 8,
  maxLength: 128,
  loraR: 8,
  limits: { harmful: undefined, jailbreak: 30, overRefusal: undefined, task: undefined, probe: undefined },
  maxNewTokens: undefined,
  jobs: 1, // main.ts: one per core unless --jobs
  sweep: false,
  sweepOnly: undefined,
  quick: false,
};

/** --quick: every stage of the default run at toy size (one step per fine-tune, a few items per evaluation). */
/**
 * One seed, one short step per fine-tune, a few items and short replies. The batch is smaller than the default's, so
 * its step times do not project to the default run: `--quick --batch 8` keeps the default batch for that.
 */
export const QUICK_SETTINGS: Pick<ExperimentSettings, 'seeds' | 'steps' | 'batch' | 'maxLength' | 'limits' | 'maxNewTokens' | 'jobs'> = {
  seeds: [7],
  steps: { benign: 1, adversarial: 1, mixed: 1, deep: 1 },
  batch: 2,
  maxLength: 64,
  limits: { harmful: 4, jailbreak: 1, overRefusal: 2, task: 2, probe: 4 },
  maxNewTokens: 6,
  jobs: 1,
};

/** Shared-data sizes (GSM8K / SQL): held-out AdvBench goals, task items and benign training rows. */
export const SHARED_LIMITS = { harmful: 64, task: 64, train: 512 } as const;

/** Evaluations and optimizer steps (per method) a run with `s` makes; prompts per evaluation given the data's sizes. */
export function runSize(s: ExperimentSettings, items: { harmful: number; overRefusal: number; task: number; framings: number }): { evals: number; stepsPerMethod: number; prompts: number } {
  const capped = (n: number, cap: number | undefined): number => (cap === undefined ? n : Math.min(n, cap));
  const harmful = capped(items.harmful, s.limits.harmful);
  const stepsPerSeed = s.steps.benign + s.steps.adversarial + s.steps.mixed + s.steps.deep;
  return {
    evals: 1 + 8 * s.seeds.length,
    stepsPerMethod: s.seeds.length * stepsPerSeed,
    prompts: harmful + Math.min(harmful, s.limits.jailbreak) * items.framings + capped(items.overRefusal, s.limits.overRefusal) + capped(items.task, s.limits.task),
  };
}
