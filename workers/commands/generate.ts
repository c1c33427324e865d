import { SafeTuneError } from '../../engine/errors';
import { generateTokens } from '../../engine/model/generate';
import type { WorkerCommand } from '../protocol';
import type { WorkerState } from '../worker-state';
import { adapterFor } from './adapters';

type GenerateCommand = Extract<WorkerCommand, { type: 'generate' }>;

export const MAX_NEW_TOKENS_LIMIT = 4096;
/** The longest chat message the playground takes: far past any model's context here, far below what breaks an allocation. */
export const MAX_PROMPT_CHARS = 100_000;

/**
 * The model's reply to one user message (chat template, generation prompt), streamed as `token` events holding the
 * new text. 'base' runs without any adapter, 'tuned' with the run's adapter as trained so far, 'plain' with its
 * plain-LoRA comparison adapter. The whole reply runs
 * under the model lock: during training it waits for the step in flight and the next step waits for it. Aborting
 * ends the reply where it is (then `done`: the text sent so far is the reply).
 */
export async function generateCommand(state: WorkerState, cmd: GenerateCommand, signal: AbortSignal): Promise<void> {
  checkGenerateArgs(cmd); // the message itself first: a bad one is the page's to fix, whatever is loaded
  const session = state.requireModel();
  const adapter = adapterFor(state, cmd.which);
  const { tokenizer } = session;
  await session.use(adapter, async (model) => {
    const promptIds = tokenizer.encode(tokenizer.renderChat([{ role: 'user', content: cmd.prompt }], { addGenerationPrompt: true }));
    const eos = new Set([...tokenizer.eosTokenIds, ...model.config.eosTokenIds]);
    const out: number[] = [];
    let sent = '';
    const send = (final: boolean): void => {
      const text = tokenizer.decode(out, { skipSpecialTokens: true });
      // A byte-level token may end inside a UTF-8 character: wait for the rest unless this is the end.
      if ((!final && text.endsWith('\uFFFD')) || !text.startsWith(sent) || text.length === sent.length) return;
      state.post({ type: 'token', requestId: cmd.requestId, which: cmd.which, text: text.slice(sent.length) });
      sent = text;
    };
    const options = { maxNewTokens: cmd.maxNewTokens, eosTokenIds: [...eos], temperature: cmd.temperature, seed: Math.floor(Math.random() * 2 ** 31), signal };
    for await (const id of generateTokens(model, promptIds, options)) {
      if (eos.has(id)) break;
      out.push(id);
      send(false);
    }
    send(true);
  });
}

function checkGenerateArgs(cmd: GenerateCommand): void {
  if (typeof cmd.prompt !== 'string' || cmd.prompt.trim() === '') throw new SafeTuneError('bad-argument', 'the prompt is empty', 'Type a message first.');
  if (cmd.prompt.length > MAX_PROMPT_CHARS) {
    // A 2,000,000-character prompt failed inside tfjs allocating its logits ("Invalid typed array length").
    throw new SafeTuneError('bad-argument', `the prompt has ${cmd.prompt.length} characters, more than the ${MAX_PROMPT_CHARS} a chat message may have`, 'Shorten the message.');
  }
  if (!Number.isInteger(cmd.maxNewTokens) || cmd.maxNewTokens < 1 || cmd.maxNewTokens > MAX_NEW_TOKENS_LIMIT) {
    throw new SafeTuneError('bad-argument', `maxNewTokens must be a whole number from 1 to ${MAX_NEW_TOKENS_LIMIT}, got ${cmd.maxNewTokens}`);
  }
  if (!(cmd.temperature >= 0) || !Number.isFinite(cmd.temperature)) {
    throw new SafeTuneError('bad-argument', `temperature must be ≥ 0, got ${cmd.temperature}`, 'Use 0 for greedy (deterministic) replies, 0.7 for varied ones.');
  }
  if (cmd.which !== 'base' && cmd.which !== 'tuned' && cmd.which !== 'plain') throw new SafeTuneError('bad-argument', `which must be 'base', 'tuned' or 'plain', got ${String(cmd.which)}`);
}
