import { CLI_BACKENDS, DEFAULT_CLI_BACKEND } from '../../node-host/backend';
import { generateTokens } from '../../engine/model/generate';
import { oneOf, optionalNumber, parseCommandArgs, requireString } from '../../node-host/args';
import { loadCliModelWithTokenizer } from '../load';

/** Streams the completion of --prompt (rendered with the chat template when --chat) to stdout. */
export async function generateCommand(argv: string[]): Promise<void> {
  const v = parseCommandArgs('generate', argv, {
    model: { type: 'string' },
    adapter: { type: 'string' },
    prompt: { type: 'string' },
    'max-new': { type: 'string' },
    chat: { type: 'boolean' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
  });
  const prompt = requireString('generate', v, 'prompt');
  const backend = oneOf('generate', v, 'backend', CLI_BACKENDS, DEFAULT_CLI_BACKEND);
  const { model, tokenizer } = await loadCliModelWithTokenizer(requireString('generate', v, 'model'), v['adapter'] as string | undefined, backend);
  const text = v['chat'] === true ? tokenizer.renderChat([{ role: 'user', content: prompt }], { addGenerationPrompt: true }) : prompt;
  const promptIds = tokenizer.encode(text, { addSpecialTokens: v['chat'] !== true });
  const eos = [...new Set([...tokenizer.eosTokenIds, ...model.config.eosTokenIds])];
  const out: number[] = [];
  let printed = '';
  for await (const id of generateTokens(model, promptIds, {
    maxNewTokens: optionalNumber('generate', v, 'max-new', true) ?? 64,
    eosTokenIds: eos,
    temperature: optionalNumber('generate', v, 'temperature') ?? 0,
    topP: optionalNumber('generate', v, 'top-p') ?? 1,
    seed: optionalNumber('generate', v, 'seed', true) ?? 0,
  })) {
    if (eos.includes(id)) break;
    out.push(id);
    // Decode the whole completion each time: byte-level tokens may split a UTF-8 character.
    const full = tokenizer.decode(out, { skipSpecialTokens: true });
    if (!full.endsWith('\uFFFD')) {
      process.stdout.write(full.slice(printed.length));
      printed = full;
    }
  }
  process.stdout.write(tokenizer.decode(out, { skipSpecialTokens: true }).slice(printed.length) + '\n');
  model.dispose();
}
