import type { CausalLM } from '../../engine/model/causal-lm';
import type { TextTokenizer } from '../../engine/tokenizer/types';
import { greedyCompletions } from '../../engine/model/batched-greedy';

/** Greedy chat replies to many user messages at once (batched by prompt length; one read-back per token step). */
export async function greedyReplies(model: CausalLM, tokenizer: TextTokenizer, requests: readonly string[], maxNewTokens: number): Promise<string[]> {
  const prompts = requests.map((r) => tokenizer.encode(tokenizer.renderChat([{ role: 'user', content: r }], { addGenerationPrompt: true })));
  const eos = [...new Set([...tokenizer.eosTokenIds, ...model.config.eosTokenIds])];
  const ids = await greedyCompletions(model, prompts, { maxNewTokens, eosTokenIds: eos, batchSize: 32 });
  return ids.map((t) => tokenizer.decode(t, { skipSpecialTokens: true }));
}
