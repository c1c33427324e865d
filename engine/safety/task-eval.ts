import type { CausalLM } from '../model/causal-lm';
import type { TextTokenizer } from '../tokenizer/types';
import { greedyChatReply } from './refusal-eval';

/** How an answer is compared with the reference (SPF.md: GSM8K final-number match, SQL normalized match). */
export type AnswerMatch = 'exact' | 'final-number' | 'sql';

export interface TaskItem {
  prompt: string; // the user turn
  answer: string; // the reference answer (for GSM8K the full solution ending "#### N")
}

/** The last number in a text, commas dropped ("1,234.50" → "1234.5"); GSM8K answers put it after "####". */
export function finalNumber(text: string): string | undefined {
  const marked = /####\s*(-?[\d,]*\.?\d+)/.exec(text);
  const all = [...text.matchAll(/-?[\d,]*\.?\d+/g)].map((m) => m[0]);
  const raw = marked?.[1] ?? all[all.length - 1];
  if (raw === undefined) return undefined;
  const n = Number(raw.replace(/,/g, ''));
  return Number.isFinite(n) ? String(n) : undefined;
}

/** SQL compared case-, whitespace- and trailing-semicolon-insensitively, quotes unified. */
export function normalizeSql(sql: string): string {
  return sql.trim().replace(/;+\s*$/, '').replace(/"/g, "'").replace(/\s+/g, ' ').toLowerCase();
}

export function answersMatch(output: string, reference: string, mode: AnswerMatch): boolean {
  switch (mode) {
    case 'exact':
      return output.trim() === reference.trim();
    case 'final-number': {
      const want = finalNumber(reference);
      return want !== undefined && finalNumber(output) === want;
    }
    case 'sql':
      return normalizeSql(output) === normalizeSql(reference);
  }
}

export interface TaskEvalResult {
  accuracy: number; // fraction of items answered correctly
  correct: number;
  total: number;
  samples: { prompt: string; output: string; answer: string; correct: boolean }[];
}

/** Task utility: greedy chat replies to each prompt, scored against the reference answers. */
export async function evaluateTask(
  model: CausalLM,
  tokenizer: TextTokenizer,
  items: readonly TaskItem[],
  opts: { match: AnswerMatch; maxNewTokens: number },
): Promise<TaskEvalResult> {
  const samples: TaskEvalResult['samples'] = [];
  for (const item of items) {
    const output = await greedyChatReply(model, tokenizer, item.prompt, opts.maxNewTokens);
    samples.push({ ...item, output, correct: answersMatch(output, item.answer, opts.match) });
  }
  const correct = samples.filter((s) => s.correct).length;
  return { accuracy: items.length === 0 ? 0 : correct / items.length, correct, total: items.length, samples };
}
