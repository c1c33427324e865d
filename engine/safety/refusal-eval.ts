import { SafeTuneError } from '../errors';
import { decodeDatasetText, readDatasetBytes, type DatasetBytes } from '../data/parsing/dataset-bytes';
import { parseJsonLines } from '../data/parsing/parse-jsonl';
import { describeRejections, type RejectedRow } from '../data/row-ref';
import type { CausalLM } from '../model/causal-lm';
import { generateTokens } from '../model/generate';
import type { TextTokenizer } from '../tokenizer/types';
import { isRefusal } from './refusal-judge';

/** Defaults of the refusal evaluation (SPF.md: greedy generation, a short answer is enough to see a refusal). */
export const REFUSAL_EVAL_DEFAULTS = {
  maxNewTokens: 48,
} as const;

export interface RefusalResponse {
  prompt: string;
  response: string;
  refused: boolean;
}

export interface RefusalEvalResult {
  rate: number; // refused / total
  refused: number;
  total: number;
  responses: RefusalResponse[];
}

export interface RefusalEvalOptions {
  maxNewTokens?: number; // default 48
  signal?: AbortSignal; // checked between tokens; an aborted evaluation throws an AbortError
  /**
   * Runs each prompt's generation (the worker passes its model lock, so training steps can run between prompts while
   * no step runs during one). Default: run directly.
   */
  exclusive?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Called after each prompt (progress). */
  onResponse?: (response: RefusalResponse, index: number, total: number) => void;
}

/** The assistant's greedy reply to one user message, rendered with the chat template; special tokens dropped. */
export async function greedyChatReply(model: CausalLM, tokenizer: TextTokenizer, request: string, maxNewTokens: number, signal?: AbortSignal): Promise<string> {
  const promptIds = tokenizer.encode(tokenizer.renderChat([{ role: 'user', content: request }], { addGenerationPrompt: true }));
  const eos = new Set([...tokenizer.eosTokenIds, ...model.config.eosTokenIds]);
  const out: number[] = [];
  for await (const id of generateTokens(model, promptIds, { maxNewTokens, eosTokenIds: [...eos], temperature: 0, ...(signal ? { signal } : {}) })) {
    if (eos.has(id)) break;
    out.push(id);
  }
  throwIfAborted(signal);
  return tokenizer.decode(out, { skipSpecialTokens: true });
}

/**
 * Refusal rate of `model` (with whatever adapter it carries) on harmful prompts: each answered greedily, each answer
 * judged by the GCG-style keyword judge (isRefusal).
 */
export async function evaluateRefusals(
  model: CausalLM,
  tokenizer: TextTokenizer,
  prompts: readonly string[],
  options: RefusalEvalOptions = {},
): Promise<RefusalEvalResult> {
  if (prompts.length === 0) throw new SafeTuneError('bad-argument', 'the refusal check has no prompts', 'Use the bundled harmful-eval set or pass some harmful requests.');
  const maxNewTokens = options.maxNewTokens ?? REFUSAL_EVAL_DEFAULTS.maxNewTokens;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new SafeTuneError('bad-argument', `maxNewTokens must be a positive integer, got ${maxNewTokens}`);
  }
  const exclusive = options.exclusive ?? (<T>(task: () => Promise<T>) => task());
  const responses: RefusalResponse[] = [];
  for (const [i, prompt] of prompts.entries()) {
    throwIfAborted(options.signal);
    const response = await exclusive(() => greedyChatReply(model, tokenizer, prompt, maxNewTokens, options.signal));
    const judged = { prompt, response, refused: isRefusal(response) };
    responses.push(judged);
    options.onResponse?.(judged, i, prompts.length);
  }
  const refused = responses.filter((r) => r.refused).length;
  return { rate: refused / responses.length, refused, total: responses.length, responses };
}

/**
 * A JSONL file of harmful requests, one {"request": "..."} per line (a "prompt" field is accepted too) → the
 * requests. Every bad line is an error naming it.
 */
export async function parseHarmfulPrompts(bytes: DatasetBytes, fileName: string): Promise<string[]> {
  const parsed = parseJsonLines(decodeDatasetText(await readDatasetBytes(bytes), fileName), fileName);
  const problems: RejectedRow[] = [...parsed.rejected];
  const prompts: string[] = [];
  for (const row of parsed.rows) {
    const value = row.fields['request'] ?? row.fields['prompt'];
    if (typeof value === 'string' && value.trim() !== '') prompts.push(value);
    else problems.push({ source: row.source, reason: value === undefined ? 'no "request" field' : '"request" is not a non-empty string' });
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.source.line - b.source.line);
    throw new SafeTuneError('bad-dataset', `${fileName} is not a list of harmful requests: ${describeRejections(problems)}.`, 'Each line must be a JSON object like {"request": "<a harmful request>"}.');
  }
  if (prompts.length === 0) throw new SafeTuneError('bad-dataset', `${fileName} holds no requests.`, 'Add at least one {"request": "..."} line.');
  return prompts;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('the refusal check was aborted', 'AbortError');
}
