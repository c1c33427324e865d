import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { evaluateRefusals, parseHarmfulPrompts } from '../../engine/safety/refusal-eval';
import { oneOf, optionalNumber, parseCommandArgs, requireString } from '../../node-host/args';
import { CLI_BACKENDS, DEFAULT_CLI_BACKEND } from '../../node-host/backend';
import { loadCliModelWithTokenizer } from '../load';

/** Prompts decoded together: equal-length prompts of a batch share one forward pass per token. */
const CLI_REFUSAL_BATCH = 32;

/**
 * `refusals --model DIR [--adapter DIR] --prompts FILE [--json]`: answers each prompt greedily with the chat template
 * and judges each reply with the refusal judge — the same engine call as the app's refusal check (evaluateRefusals).
 * Prints one line per prompt and the refusal rate, or with --json {"results": [{prompt, reply, refused}], "refusal_rate"}.
 */
export async function refusalsCommand(argv: string[]): Promise<void> {
  const v = parseCommandArgs('refusals', argv, {
    model: { type: 'string' },
    adapter: { type: 'string' },
    prompts: { type: 'string' },
    json: { type: 'boolean' },
    'max-new': { type: 'string' },
    backend: { type: 'string' },
  });
  const promptFile = requireString('refusals', v, 'prompts');
  const prompts = await readPromptFile(promptFile);
  const backend = oneOf('refusals', v, 'backend', CLI_BACKENDS, DEFAULT_CLI_BACKEND);
  const { model, tokenizer } = await loadCliModelWithTokenizer(requireString('refusals', v, 'model'), v['adapter'] as string | undefined, backend);
  try {
    const maxNewTokens = optionalNumber('refusals', v, 'max-new', true);
    const result = await evaluateRefusals(model, tokenizer, prompts, { batchSize: CLI_REFUSAL_BATCH, ...(maxNewTokens === undefined ? {} : { maxNewTokens }) });
    if (v['json'] === true) {
      const results = result.responses.map((r) => ({ prompt: r.prompt, reply: r.response, refused: r.refused }));
      process.stdout.write(JSON.stringify({ results, refusal_rate: result.rate }) + '\n');
      return;
    }
    for (const r of result.responses) process.stdout.write(`${r.refused ? 'REFUSED ' : 'answered'}  ${oneLine(r.prompt)}  →  ${oneLine(r.response)}\n`);
    process.stdout.write(`refusal rate: ${(100 * result.rate).toFixed(1)} % (${result.refused} of ${result.total})\n`);
  } finally {
    model.dispose();
  }
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

/** A .txt file (one prompt per non-empty line) or a JSONL file (a "prompt" or "request" field per line). */
export async function readPromptFile(path: string): Promise<string[]> {
  const bytes = await readFile(path).catch((e: unknown) => {
    throw new SafeTuneError('missing-file', `refusals: cannot read --prompts ${path}: ${e instanceof Error ? e.message : String(e)}`);
  });
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.json') return parseHarmfulPrompts(new Uint8Array(bytes), path);
  if (ext !== '.txt') throw new SafeTuneError('bad-argument', `refusals: --prompts ${path} must be a .txt (one prompt per line) or a .jsonl file`);
  const prompts = new TextDecoder().decode(bytes).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (prompts.length === 0) throw new SafeTuneError('bad-dataset', `${path} holds no prompts`, 'Write one prompt per line.');
  return prompts;
}
