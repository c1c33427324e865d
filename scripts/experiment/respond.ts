import type { CausalLM } from '../../engine/model/causal-lm';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { greedyCompletions } from '../../engine/model/batched-greedy';

/** One chat prompt: the user turn, and optionally text the assistant turn already starts with (prefilling). */
export interface ChatPrompt {
  user: string;
  assistantPrefix?: string | undefined;
}

/**
 * Greedy chat replies to many prompts at once (batched by prompt length; one read-back per token step for a whole
 * batch). A reply is the generated text only — an assistant prefix is part of the prompt, not of the reply — so the
 * judge sees what the model itself added.
 */
export async function greedyReplies(model: CausalLM, tokenizer: TextTokenizer, prompts: readonly ChatPrompt[], maxNewTokens: number): Promise<string[]> {
  const ids = prompts.map((p) => tokenizer.encode(tokenizer.renderChat([{ role: 'user', content: p.user }], { addGenerationPrompt: true }) + (p.assistantPrefix ?? '')));
  const eos = [...new Set([...tokenizer.eosTokenIds, ...model.config.eosTokenIds])];
  const out = await greedyCompletions(model, ids, { maxNewTokens, eosTokenIds: eos, batchSize: 64 });
  return out.map((t) => tokenizer.decode(t, { skipSpecialTokens: true }));
}
