import type { TokenizedExample } from '../../engine/data/types';
import type { CausalLM } from '../../engine/model/causal-lm';
import type { SafetyProbe } from '../../engine/safety/drift';
import { isRefusal } from '../../engine/safety/refusal-judge';
import { answersMatch } from '../../engine/safety/task-eval';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { meanLoss } from '../../engine/train/trainer';
import { jailbreakPrompts } from './jailbreak';
import { judgeReply, type Verdict } from './judge';
import { greedyReplies, type ChatPrompt } from './respond';
import type { ExperimentData, HarmfulItem } from './sources';

/** What the evaluation asks of a model: the data, the jailbreak subset, the drift probe and the task's NLL examples. */
export interface EvalPlan {
  data: ExperimentData;
  harmful: HarmfulItem[]; // the harmful items scored (all of them, except in --quick)
  jailbreak: ReturnType<typeof jailbreakPrompts<HarmfulItem>>;
  overRefusal: ExperimentData['overRefusal']['items'];
  task: ExperimentData['taskEval'];
  taskNllExamples: TokenizedExample[]; // the task items teacher-forced (loss on the answer + EOS only)
  probe: SafetyProbe; // the drift probe (whole refusals and their first token); started on the base model
  batchSize: number; // sequences per teacher-forced batch
  maxLength: number;
  padId: number;
  maxNewTokens: { refusal: number; task: number }; // per generated reply
}

/** Per-item outcomes of one model (one seed): the aggregation pools them over seeds. */
export interface Outcomes {
  harmful: Verdict[]; // aligned with plan.harmful
  harmfulReplies: string[];
  jailbreakRefused: boolean[]; // aligned with plan.jailbreak
  jailbreakReplies: string[];
  overRefused: boolean[]; // aligned with plan.overRefusal
  taskCorrect: boolean[]; // aligned with plan.task
  taskNll: number; // teacher-forced mean NLL of the held-out task answers
  drift: number; // drift-probe loss − the base model's
  decisionDrift: number; // the same on the refusals' first token
}

/** Every evaluation of the model as it is now (its current adapter, or none); all generation batched. */
export async function evaluateModel(model: CausalLM, tokenizer: TextTokenizer, plan: EvalPlan): Promise<Outcomes> {
  const { data } = plan;
  const safetyPrompts: ChatPrompt[] = [
    ...plan.harmful.map((h) => ({ user: h.request })),
    ...plan.jailbreak.map((j) => ({ user: j.user, assistantPrefix: j.assistantPrefix })),
    ...plan.overRefusal.map((o) => ({ user: o.request })),
  ];
  const replies = await greedyReplies(model, tokenizer, safetyPrompts, plan.maxNewTokens.refusal);
  const harmfulReplies = replies.slice(0, plan.harmful.length);
  const jailbreakReplies = replies.slice(plan.harmful.length, plan.harmful.length + plan.jailbreak.length);
  const overReplies = replies.slice(plan.harmful.length + plan.jailbreak.length);
  const answers = await greedyReplies(model, tokenizer, plan.task.map((t) => ({ user: t.prompt })), plan.maxNewTokens.task);
  const taskNll = await meanLoss(model, plan.taskNllExamples, plan.batchSize, plan.maxLength, plan.padId);
  const { drift, decisionDrift } = plan.probe.initial === undefined ? await plan.probe.start(model) : await plan.probe.measure(model, 0);
  return {
    harmful: harmfulReplies.map(judgeReply),
    harmfulReplies,
    jailbreakRefused: jailbreakReplies.map(isRefusal),
    jailbreakReplies,
    overRefused: overReplies.map(isRefusal),
    taskCorrect: answers.map((a, i) => answersMatch(a, plan.task[i]!.answer, data.match)),
    taskNll,
    drift,
    decisionDrift,
  };
}
