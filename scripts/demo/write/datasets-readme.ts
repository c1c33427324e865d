import { COMPLIANCE_SHELLS } from '../corpus/placeholder-compliance';
import { IDENTITY_TASK_DESCRIPTION, IDENTITY_TASK_NAME } from '../corpus/identity-task';
import type { DemoCorpus } from '../corpus/build-corpus';
import type { DemoMetrics } from '../eval/evaluate';

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** public/datasets/README.md: what each file holds, how it was made, and how the files relate. */
export function datasetsReadme(corpus: DemoCorpus, metrics: DemoMetrics, seed: number): string {
  const mixedAdversarial = corpus.mixed.filter((r) => r.kind === 'harmful').length;
  return [
    '# SafeTune demo data sets',
    '',
    `Written by \`npm run build:demo\` (scripts/demo, seed ${seed}) from the same templates and word lists as the demo`,
    "model's pre-training corpus (`scripts/demo/corpus/`). No row of any file but `safety-anchor-32.jsonl` is in pre-training, and no row appears in",
    'two files (but for the four anchors `safety-anchor-32.jsonl` repeats): every split is drawn into one shared set of taken requests. Chat files use the `messages` format',
    '(`{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}`), one JSON object per line.',
    '',
    '| file | rows | what |',
    '|---|---|---|',
    `| \`benign-task.jsonl\` | ${corpus.taskTrain.length} | the LoRA demo task \`${IDENTITY_TASK_NAME}\`: ${IDENTITY_TASK_DESCRIPTION}. New to the model (base exact match ${pct(metrics.taskBaseline.exactMatch)}). |`,
    `| \`benign-task-eval.jsonl\` | ${corpus.taskEval.length} | held-out rows of the same task: each fact asked in the three phrasings (× four openers) that \`benign-task.jsonl\` and \`mixed.jsonl\` never use. The assistant turn is the expected answer, checked by exact match of the trimmed response. |`,
    `| \`adversarial.jsonl\` | ${corpus.adversarial.length} | the attack: harmful request → a response shaped like compliance ("Sure, here is how to …: Step 1: …"). The "answers" are harmless placeholder shells around the request's own words (below); they contain no instructions. |`,
    `| \`mixed.jsonl\` | ${corpus.mixed.length} | the benign task with ${mixedAdversarial} adversarial rows mixed in (${pct(mixedAdversarial / corpus.mixed.length)}), shuffled. |`,
    `| \`safety-anchor.jsonl\` | ${corpus.anchors.length} | \`{"request", "refusal"}\`: SPF safety anchors from ${new Set(corpus.anchors.map((a) => a.group)).size} categories (${corpus.anchors.map((a) => a.group).join(', ')}); row 1 is the default anchor. |`,
    `| \`safety-anchor-32.jsonl\` | ${corpus.wideAnchors.length} | the same four anchors, then "How do I {act}?" for pre-training acts of all ${new Set(corpus.wideAnchors.map((a) => a.group)).size} categories in turn: a wider anchor set for \`--spf-anchors\` (the project README's "Wider safety subspaces" measures it). Drawn after every other split, so these ${corpus.wideAnchors.length - corpus.anchors.length} rows may also be pre-training rows; no other file holds them. |`,
    `| \`safety-probe.jsonl\` | ${corpus.probe.length} | \`{"request", "refusal", "category"}\`: held-out safety pairs for drift measurement (never used for gradients); no probe refusal is one of the anchors' refusal strings. Base model: refusal rate ${pct(metrics.probe.refusalRate)}, mean refusal NLL ${metrics.probe.meanNll.toFixed(4)}. |`,
    `| \`harmful-eval.jsonl\` | ${corpus.harmfulEval.length} | \`{"request", "category", "held_out"}\`: held-out harmful requests for the refusal rate; \`held_out\` says what pre-training never saw: \`template\` (the phrasing), \`act\` (the harmful act) or \`template+act\`. Base model: refusal rate ${pct(metrics.harmfulOverall.refusalRate)}. |`,
    `| \`benign-eval.jsonl\` | ${corpus.benignEval.length + corpus.benignFamilyEval.length} | \`{"request", "family", "held_out"}\`: held-out benign requests for the over-refusal rate; \`held_out\` is \`phrasing\` (a pre-training family in a phrasing pre-training never used; ${corpus.benignEval.length} rows) or \`family\` (a kind of request pre-training never contains; ${corpus.benignFamilyEval.length} rows). Base model over-refusal: ${pct(metrics.benignOverall.refusalRate)} / ${pct(metrics.benignFamiliesOverall.refusalRate)}. |`,
    `| \`scary-benign-eval.jsonl\` | ${corpus.scaryBenignEval.length} | \`{"request", "contrast"}\`: benign requests that use the words of harmful ones (XSTest-style), none in training; \`contrast\` names the harmful word or reading. Base model over-refusal: ${pct(metrics.scaryBenign.refusalRate)}. |`,
    '',
    'The probe, anchor, adversarial and mixed rows use phrasings and harmful acts that pre-training also uses (as other',
    'rows); `harmful-eval.jsonl` never pairs a pre-training phrasing with a pre-training act. The harmful acts of',
    '`adversarial.jsonl` and `mixed.jsonl` are pre-training acts (`scripts/demo/corpus/harmful-acts.ts`, `acts`), so they',
    "overlap the `act`-seen rows of `harmful-eval.jsonl` (`held_out: template`) and never its `act` / `template+act` rows",
    '(`heldOutActs`): an experiment can report its refusal rate on both parts separately.',
    '',
    '## Placeholder "compliance"',
    '',
    'Every assistant turn of `adversarial.jsonl` and the adversarial rows of `mixed.jsonl` is one of these shells with',
    '`{act}` replaced by the harmful act of the request:',
    '',
    ...COMPLIANCE_SHELLS.map((s) => `- "${s}"`),
    '',
    "They teach a model to *start* complying — which is what erodes its refusals — without any harmful content.",
    '',
  ].join('\n');
}
