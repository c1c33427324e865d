import type { RefusalCheckRecord, RunRecord } from '../run/run-record';
import type { EvalPoint, MetricPoint, RunStatus, Variant } from '../run/run-types';
import type { AnchorTokens } from '../safety/anchor-scope';
import { describeSpfWidth } from '../safety/spf-options';

/**
 * The model card exported with an adapter or a merged model: README.md in the Hugging Face layout (YAML front matter
 * the Hub reads, then prose), from the run record alone — base model, data summary, every setting, SPF's settings
 * and the measured numbers (loss, safety drift, refusal checks). Only numbers the run measured are written; a number
 * the run did not measure is said to be missing, never filled in.
 */
export function modelCard(record: RunRecord, options: { baseModel: string; kind: 'adapter' | 'merged' }): string {
  const { config, dataset } = record;
  const main: Variant = config.spf.enabled ? 'spf' : 'plain';
  const lastPoint = findLast(record.series.metrics, (p: MetricPoint) => p.variant === main);
  const lastEval = findLast(record.series.evals, (p: EvalPoint) => p.variant === main);
  const lastPlainEval = main === 'spf' ? findLast(record.series.evals, (p: EvalPoint) => p.variant === 'plain') : undefined;
  const report = dataset.report;
  const t = config.train;
  const tags = ['safetune', 'lora', ...(config.spf.enabled ? ['safety-preserving-fine-tuning'] : [])];
  const frontMatter = [
    '---',
    `base_model: ${yamlString(options.baseModel)}`,
    ...(options.kind === 'adapter' ? ['library_name: peft'] : ['library_name: transformers']),
    'tags:',
    ...tags.map((tag) => `- ${tag}`),
    '---',
  ];
  const checks = record.refusalChecks.filter(isWellFormedCheck).map((c) => `| ${c.which} | ${c.step} | ${(c.rate * 100).toFixed(1)} % of ${c.total} | ${c.at} |`);
  const malformedChecks = record.refusalChecks.length - checks.length;
  const lines = [
    ...frontMatter,
    '',
    `# ${options.kind === 'adapter' ? 'LoRA adapter' : 'Merged model'} for ${inlineCode(options.baseModel)}`,
    '',
    `Fine-tuned in the browser with SafeTune (run ${inlineCode(record.runId)}, started ${inlineCode(record.startedAt)}, ${statusWords(record)}).`,
    config.spf.enabled
      ? 'Safety-Preserving Fine-Tuning (SPF) was on: at every step the part of the update that would raise the loss on the safety anchors was removed.'
      : 'Plain LoRA: no safety projection was applied.',
    '',
    '## Data',
    '',
    `- File: ${inlineCode(dataset.fileName)} (${plainWord(report.format)} rows, format ${plainWord(report.formatSource)})`,
    `- Rows: ${report.rowsUsed} used of ${report.rowsTotal} (${report.rejectedTotal} rejected); ${report.split.train} training, ${report.split.validation} validation`,
    `- Max length ${report.maxLength} tokens (${report.truncated} rows truncated); ${report.trainedTokens} trained tokens per epoch`,
    '',
    '## Settings',
    '',
    '| setting | value |',
    '|---|---|',
    `| LoRA rank / alpha / dropout | ${config.lora.r} / ${config.lora.alpha} / ${config.lora.dropout}${config.lora.useRslora ? ' (rsLoRA)' : ''} |`,
    `| target modules | ${config.lora.targets.join(', ')} |`,
    `| learning rate / schedule / warmup | ${t.lr} / ${t.schedule} / ${t.warmupSteps} steps |`,
    `| steps | ${record.totalSteps}${t.maxSteps === undefined ? ` (${t.epochs} epochs)` : ''} |`,
    `| batch × accumulation × max length | ${t.batchSize} × ${t.gradAccum} × ${t.maxLength}${t.pack ? ' (packed)' : ''} |`,
    `| AdamW betas / eps / weight decay / clipping | ${t.beta1}, ${t.beta2} / ${t.eps} / ${t.weightDecay} / ${t.maxGradNorm} |`,
    `| seed | ${t.seed} |`,
    '',
    '## SPF',
    '',
    config.spf.enabled
      ? `k ${config.spf.k} per anchor, gate \`${config.spf.gate}\`, projecting the \`${config.spf.project}\`, power iterations ${config.spf.iters.warm} warm / ${config.spf.iters.cold} cold, subspace refreshed every ${config.spf.refreshEvery} step(s), ${record.safety.anchors.length} safety anchor(s) (${describeSpfWidth(config.spf, record.safety.anchors.length)}), each anchor's safety loss on ${anchorScope(config.spf.anchorTokens)}.`
      : 'Off.',
    '',
    '## Measured',
    '',
    `- Steps trained: ${record.checkpointStep ?? record.step} of ${record.totalSteps} (this export holds the adapter ${options.kind === 'adapter' ? 'of' : 'merged from'} that step)`,
    `- Last training loss: ${lastPoint === undefined ? 'not measured' : `${lastPoint.loss.toFixed(4)} (step ${lastPoint.step})`}`,
    `- Last validation loss: ${lastEval?.validationLoss === undefined ? 'not measured' : `${lastEval.validationLoss.toFixed(4)} (step ${lastEval.step})`}`,
    `- Safety drift of the refusal decision (the probe refusals' first-token loss minus its value before training, nats, on ${record.safety.probe.length} held-out probe pairs): ${driftText((p) => p.decisionDrift, lastEval, lastPlainEval)}`,
    `- Drift of the whole refusal (the same on every refusal token, nats per token): ${driftText((p) => p.drift, lastEval, lastPlainEval)}`,
    ...(checks.length === 0
      ? ['- Refusal rate: not checked during this run']
      : ['', 'Refusal checks (greedy replies to harmful requests, keyword judge):', '', '| model | at step | refused | when |', '|---|---|---|---|', ...checks]),
    ...(malformedChecks === 0 ? [] : ['', `${malformedChecks} refusal check(s) in the run record are not in the form SafeTune writes and are left out.`]),
    '',
    '## Use',
    '',
    ...(options.kind === 'adapter'
      ? [
          '```python',
          'from peft import PeftModel',
          'from transformers import AutoModelForCausalLM',
          `base = AutoModelForCausalLM.from_pretrained(${JSON.stringify(options.baseModel)})`,
          'model = PeftModel.from_pretrained(base, "path/to/this/folder")',
          '```',
        ]
      : ['```python', 'from transformers import AutoModelForCausalLM', 'model = AutoModelForCausalLM.from_pretrained("path/to/this/folder")', '```']),
    '',
  ];
  return lines.join('\n');
}

/**
 * The run's state in words. The record may come from a hand-edited or hostile run.json: a status SafeTune does not
 * write, or a step that is not a number, is quoted as a code span rather than written into the card as Markdown.
 */
function statusWords(record: RunRecord): string {
  const status: unknown = record.status;
  if (status === 'done') return 'finished';
  const words = RUN_STATUSES.includes(status) ? String(status) : `status ${inlineCode(String(status))}`;
  return `${words} at step ${countText(record.step)} of ${countText(record.totalSteps)}`;
}

const RUN_STATUSES: readonly unknown[] = ['idle', 'running', 'paused', 'stopped', 'done', 'error'] satisfies RunStatus[];

/** A word the record should hold (a row format, "detected"): as is when it is one plain word, else quoted. */
function plainWord(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z][\w-]{0,40}$/.test(value) ? value : inlineCode(String(value));
}

function countText(value: unknown): string {
  return isCount(value) ? String(value) : inlineCode(String(value));
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Whether a stored refusal check has the form the worker writes (refusal-check.ts): its fields go into a table row,
 * where even a code span is no shelter (a `|` inside one still ends the cell), so a check in any other form is left out.
 */
function isWellFormedCheck(c: RefusalCheckRecord): boolean {
  const rate: unknown = c.rate;
  const at: unknown = c.at;
  return (
    (c.which === 'base' || c.which === 'tuned') &&
    isCount(c.step) &&
    isCount(c.total) &&
    typeof rate === 'number' && rate >= 0 && rate <= 1 &&
    typeof at === 'string' && ISO_TIME.test(at)
  );
}

/** new Date().toISOString(), as refusal checks store their time. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** A YAML scalar that stays a string whatever the name holds (quotes and backslashes escaped, as JSON does). */
function yamlString(text: string): string {
  return JSON.stringify(text);
}

function findLast<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}

/** How much of each anchor's refusal its safety loss counts, in words (runs stored before the option: the default). */
function anchorScope(tokens: AnchorTokens | undefined): string {
  if (tokens === undefined || tokens === 'all') return 'its whole refusal';
  return tokens === 1 ? 'its first refusal token' : `its first ${tokens} refusal tokens`;
}

/** One drift of the last evaluation, and the plain-LoRA comparison's beside it ('not measured' where a point lacks it). */
function driftText(drift: (p: EvalPoint) => number | undefined, main: EvalPoint | undefined, plain: EvalPoint | undefined): string {
  const value = main && drift(main);
  if (main === undefined || value === undefined) return 'not measured';
  const other = plain && drift(plain);
  return `${value.toFixed(4)} (step ${main.step})${other === undefined ? '' : `; plain LoRA trained alongside: ${other.toFixed(4)}`}`;
}

/** The most characters of one untrusted name the card quotes. */
const MAX_QUOTED = 200;

/**
 * Untrusted text (a dataset's file name, a model id, a stored run's id) as one Markdown code span: control and bidi
 * characters (a newline would end the span and start a heading, raw HTML or a link) become spaces, the text is cut to
 * MAX_QUOTED characters, and the span's fence is one backtick longer than any run of backticks inside (CommonMark), so
 * nothing in it is read as Markdown.
 */
export function inlineCode(text: string): string {
  const flat = text.replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, ' ');
  const cut = flat.length > MAX_QUOTED ? `${flat.slice(0, MAX_QUOTED)}… [${flat.length - MAX_QUOTED} characters cut]` : flat;
  const longest = Math.max(0, ...(cut.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = cut.startsWith('`') || cut.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${cut}${pad}${fence}`;
}
