import { SafeTuneError } from '../errors';
import { decodeDatasetText, readDatasetBytes, type DatasetBytes } from '../data/parsing/dataset-bytes';
import { parseJsonLines } from '../data/parsing/parse-jsonl';
import { describeRejections, type RejectedRow } from '../data/row-ref';
import { greedyCompletions } from '../model/batched-greedy';
import type { CausalLM } from '../model/causal-lm';
import { generateTokens } from '../model/generate';
import type { TextTokenizer } from '../tokenizer/types';
import { isRefusal } from './refusal-judge';

/** Defaults of the refusal evaluation (SPF.md: greedy generation, a short answer is enough to see a refusal). */
export const REFUSAL_EVAL_DEFAULTS = {
  maxNewTokens: 48,
  /** Prompts decoded together (one forward pass per token for a batch of equal-length prompts). */
  batchSize: 1,
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
  /**
   * Prompts answered together, default 1. Prompts are taken in order of token length, `batchSize` at a time, and the
   * equal-length ones of a batch decode as one (engine/model/batched-greedy.ts): the replies are the same as one by
   * one, only faster. The CLI uses 32; the worker keeps 1, so its lock is held for one prompt at a time.
   */
  batchSize?: number;
  signal?: AbortSignal; // checked between tokens; an aborted evaluation throws an AbortError
  /**
   * Runs each batch's generation (the worker passes its model lock, so training steps can run between batches while
   * no step runs during one). Default: run directly.
   */
  exclusive?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Called for each prompt once its reply is judged (progress; with batches, in the order batches finish). */
  onResponse?: (response: RefusalResponse, index: number, total: number) => void;
}

/** The assistant's greedy reply to one user message, rendered with the chat template; special tokens dropped. */
export async function greedyChatReply(model: CausalLM, tokenizer: TextTokenizer, request: string, maxNewTokens: number, signal?: AbortSignal): Promise<string> {
  const promptIds = chatPromptIds(tokenizer, request);
  const eos = new Set([...tokenizer.eosTokenIds, ...model.config.eosTokenIds]);
  const out: number[] = [];
  for await (const id of generateTokens(model, promptIds, { maxNewTokens, eosTokenIds: [...eos], temperature: 0, ...(signal ? { signal } : {}) })) {
    if (eos.has(id)) break;
    out.push(id);
  }
  throwIfAborted(signal);
  return tokenizer.decode(out, { skipSpecialTokens: true });
}

/** The user turn of `request` rendered with the chat template, ready for the assistant's reply. */
export function chatPromptIds(tokenizer: TextTokenizer, request: string): number[] {
  return tokenizer.encode(tokenizer.renderChat([{ role: 'user', content: request }], { addGenerationPrompt: true }));
}

/**
 * Refusal rate of `model` (with whatever adapter it carries) on `prompts`: each answered greedily with the chat
 * template, each answer judged by the GCG-style keyword judge (isRefusal). The one refusal check of SafeTune: the
 * app's worker and `cli refusals` both call it. Responses come back in the order of `prompts`.
 */
export async function evaluateRefusals(
  model: CausalLM,
  tokenizer: TextTokenizer,
  prompts: readonly string[],
  options: RefusalEvalOptions = {},
): Promise<RefusalEvalResult> {
  if (prompts.length === 0) throw new SafeTuneError('bad-argument', 'the refusal check has no prompts', 'Use the bundled harmful-eval set or pass some harmful requests.');
  const maxNewTokens = options.maxNewTokens ?? REFUSAL_EVAL_DEFAULTS.maxNewTokens;
  const batchSize = options.batchSize ?? REFUSAL_EVAL_DEFAULTS.batchSize;
  for (const [name, value] of [['maxNewTokens', maxNewTokens], ['batchSize', batchSize]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new SafeTuneError('bad-argument', `${name} must be a positive integer, got ${value}`);
  }
  const exclusive = options.exclusive ?? (<T>(task: () => Promise<T>) => task());
  const eosTokenIds = [...new Set([...tokenizer.eosTokenIds, ...model.config.eosTokenIds])];
  const ids = prompts.map((p) => chatPromptIds(tokenizer, p));
  // Batches take prompts by length, so a batch holds prompts of equal (or close) length and decodes in few groups;
  // one prompt at a time keeps the given order (progress arrives in it).
  const order = prompts.map((_, i) => i);
  if (batchSize > 1) order.sort((a, b) => ids[a]!.length - ids[b]!.length || a - b);
  const responses = new Array<RefusalResponse>(prompts.length);
  for (let start = 0; start < order.length; start += batchSize) {
    throwIfAborted(options.signal);
    const batch = order.slice(start, start + batchSize);
    const completions = await exclusive(() =>
      greedyCompletions(model, batch.map((i) => ids[i]!), { maxNewTokens, eosTokenIds, batchSize, ...(options.signal ? { signal: options.signal } : {}) }),
    );
    batch.forEach((i, k) => {
      const response = tokenizer.decode(completions[k]!, { skipSpecialTokens: true });
      const judged = { prompt: prompts[i]!, response, refused: isRefusal(response) };
      responses[i] = judged;
      options.onResponse?.(judged, i, prompts.length);
    });
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
    const field = 'request' in row.fields ? 'request' : 'prompt';
    const value = row.fields[field];
    if (typeof value === 'string' && value.trim() !== '') prompts.push(value);
    else problems.push({ source: row.source, reason: value === undefined ? 'no "request" or "prompt" field' : `"${field}" is not a non-empty string` });
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.source.line - b.source.line);
    throw new SafeTuneError('bad-dataset', `${fileName} is not a list of harmful requests: ${describeRejections(problems)}.`, 'Each line must be a JSON object like {"request": "<a harmful request>"} (or {"prompt": "…"}).');
  }
  if (prompts.length === 0) throw new SafeTuneError('bad-dataset', `${fileName} holds no requests.`, 'Add at least one {"request": "..."} line.');
  return prompts;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('the refusal check was aborted', 'AbortError');
}
