#!/usr/bin/env node
/**
 * SafeTune headless: the same engine as the app, on tfjs-cpu or WebGPU (Dawn) in Node.
 * Run as `npm run --silent cli -- <command> [options]`.
 */
import { SafeTuneError } from '../engine/errors';
import { makeTinyCommand } from './commands/make-tiny';
import { logitsCommand } from './commands/logits';
import { generateCommand } from './commands/generate';
import { releaseCliBackend } from './backend';

interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  'make-tiny': { summary: 'make-tiny --arch llama|llama3|qwen2|qwen3 --out DIR [--dtype f32|bf16] [--shards N] [--seed S]', run: makeTinyCommand },
  logits: { summary: 'logits --model DIR [--adapter DIR] --ids 1,2,3 [--backend cpu|webgpu]', run: logitsCommand },
  generate: {
    summary: 'generate --model DIR [--adapter DIR] --prompt TEXT [--max-new N] [--chat] [--temperature T --top-p P --seed S] [--backend cpu|webgpu]',
    run: generateCommand,
  },
};

function usage(): string {
  return ['usage: npm run --silent cli -- <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`error: unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    const line = e instanceof SafeTuneError ? e.describe() : e instanceof Error ? e.message : String(e);
    process.stderr.write(`error: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  } finally {
    releaseCliBackend();
  }
}

process.exitCode = await main(process.argv.slice(2));
