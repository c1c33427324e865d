import { join } from 'node:path';
import { DirectoryFiles } from '../../node-host/fs-files';
import { tokenizeSafetyPairs } from '../../engine/safety/anchors';
import { SafetyProbe } from '../../engine/safety/drift';
import type { SafetyPair } from '../../engine/safety/spf-options';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import type { EvalPlan } from './evaluate';
import { JAILBREAK_FRAMINGS, jailbreakPrompts, spreadSample } from './jailbreak';
import { SHARED_LIMITS, type ExperimentSettings } from './settings';
import { demoData, sharedData, type ExperimentData } from './sources';

/** Where each input came from (over-refusal prompts, drift probe), and the sizes used. */
export interface ExperimentSources {
  data: string;
  overRefusalSource: string;
  driftSource: string;
  harmful: number;
  jailbreak: number;
  overRefusal: number;
  task: number;
  available: { harmful: number; overRefusal: number; task: number; framings: number };
  maxNewTokens: { refusal: number; task: number };
}

/** Everything a run needs before any model is loaded: the data, the tokenizer and the evaluation plan. */
export interface ExperimentContext {
  data: ExperimentData;
  tokenizer: TextTokenizer;
  plan: EvalPlan;
  driftPairs: SafetyPair[];
  sources: ExperimentSources;
}

export const DEMO_MODEL_DIR = 'public/models/safetune-demo';

const cap = <T>(xs: readonly T[], n: number | undefined): T[] => (n === undefined ? [...xs] : spreadSample(xs, n));

/**
 * Reads the data and builds the evaluation plan. Deterministic for the settings, so the parent process (which only
 * aggregates) and every worker process (which trains and evaluates) build the same plan, item for item.
 */
export async function prepareExperiment(root: string, settings: ExperimentSettings): Promise<ExperimentContext> {
  const data: ExperimentData = settings.data === 'demo' ? await demoData(root) : await sharedData(root, join(root, '../shared/data'), settings.data, SHARED_LIMITS, settings.seeds[0]!);
  const tokenizer = await loadTokenizer(new DirectoryFiles(join(root, DEMO_MODEL_DIR)));
  const harmful = cap(data.harmfulEval, settings.limits.harmful);
  const task = cap(data.taskEval, settings.limits.task);
  const driftPairs = cap(data.drift.pairs, settings.limits.probe);
  const taskNllExamples = tokenizeSafetyPairs(task.map((t) => ({ request: t.prompt, refusal: t.answer })), tokenizer, settings.maxLength, 'task eval');
  // A reply cut short can never match its answer: task replies may run to the longest answer and its end token. (The
  // demo task's answers take up to 17 tokens; with the 16 the demo data asks for, 24 of its 84 items could not score.)
  const longestAnswer = Math.max(0, ...taskNllExamples.map((e) => e.labels.filter((l) => l !== -100).length));
  const plan: EvalPlan = {
    data,
    harmful,
    jailbreak: jailbreakPrompts(spreadSample(harmful, settings.limits.jailbreak)),
    overRefusal: cap(data.overRefusal.items, settings.limits.overRefusal),
    task,
    taskNllExamples,
    probe: new SafetyProbe(tokenizeSafetyPairs(driftPairs, tokenizer, settings.maxLength, 'drift probe'), { batchSize: 16, maxLength: settings.maxLength, padId: tokenizer.padTokenId }),
    batchSize: 16,
    maxLength: settings.maxLength,
    padId: tokenizer.padTokenId,
    maxNewTokens:
      settings.maxNewTokens === undefined
        ? { refusal: data.maxNewTokens.refusal, task: Math.max(data.maxNewTokens.task, longestAnswer) }
        : { refusal: settings.maxNewTokens, task: settings.maxNewTokens },
  };
  const sources: ExperimentSources = {
    data: data.name,
    overRefusalSource: data.overRefusal.source,
    driftSource: data.drift.source,
    harmful: plan.harmful.length,
    jailbreak: plan.jailbreak.length,
    overRefusal: plan.overRefusal.length,
    task: plan.task.length,
    available: { harmful: data.harmfulEval.length, overRefusal: data.overRefusal.items.length, task: data.taskEval.length, framings: JAILBREAK_FRAMINGS.length },
    maxNewTokens: plan.maxNewTokens,
  };
  return { data, tokenizer, plan, driftPairs, sources };
}
