#!/usr/bin/env node
/**
 * SafeTune headless: the same engine as the app, on tfjs-cpu or WebGPU (Dawn) in Node.
 * Run as `npm run --silent cli -- <command> [options]`.
 */
import { MAX_ERROR_HINT_CHARS, MAX_ERROR_MESSAGE_CHARS, SafeTuneError } from '../engine/errors';
import { clipText } from '../engine/util/clip-text';
import { backendFailure } from '../engine/device/gpu-faults';
import { makeTinyCommand } from './commands/make-tiny';
import { logitsCommand } from './commands/logits';
import { generateCommand } from './commands/generate';
import { trainCommand } from './commands/train';
import { dataReportCommand } from './commands/data-report';
import { releaseCliBackend } from '../node-host/backend';
import { CliExit, endQuietlyWhenStdoutCloses } from './cli-exit';
import { asksForHelp } from './args-help';
import { RunError } from '../engine/run/run-errors';
import { refusalsCommand } from './commands/refusals';
import { SPF_USAGE } from './commands/spf-flags';

interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  'make-tiny': { summary: 'make-tiny --arch llama|llama3|qwen2|qwen3 | --shape smollm2-135m|smollm2-360m|qwen2.5-0.5b|qwen3-0.6b|tinyllama-1.1b|llama-3.2-1b --out DIR [--dtype f32|bf16] [--shards N] [--seed S]', run: makeTinyCommand },
  logits: { summary: 'logits --model DIR [--adapter DIR] --ids 1,2,3 [--backend wasm|webgpu|cpu]', run: logitsCommand },
  generate: {
    summary: 'generate --model DIR [--adapter DIR] --prompt TEXT [--max-new N] [--chat] [--temperature T --top-p P --seed S] [--backend wasm|webgpu|cpu]',
    run: generateCommand,
  },
  train: {
    summary: [
      'train --model DIR --data FILE --out DIR [--format F] [--val FRACTION|FILE] [--lora-r R --lora-alpha A --lora-dropout D --targets LIST --rslora]',
      '        [--lr X --schedule cosine|linear|constant --warmup N --weight-decay W --max-grad-norm G] [--epochs E | --max-steps N]',
      '        [--batch B --grad-accum K --max-length L --pack] [--seed S] [--eval-every N --checkpoint-every N] [--guard-drift X|off] [--backend wasm|webgpu|cpu]',
      `        ${SPF_USAGE}`,
      '  train --out DIR --resume [--model DIR] [--backend wasm|webgpu|cpu]',
    ].join('\n'),
    run: trainCommand,
  },
  'data-report': { summary: 'data-report --model DIR --data FILE [--format F] [--max-length L]', run: dataReportCommand },
  refusals: { summary: 'refusals --model DIR [--adapter DIR] --prompts FILE.txt|FILE.jsonl [--json] [--max-new N] [--backend wasm|webgpu|cpu]', run: refusalsCommand },
};

const USAGE_PREFIX = 'usage: npm run --silent cli --';

function usage(): string {
  return [`${USAGE_PREFIX} <command> [options]`, '', ...Object.values(COMMANDS).map((c) => `  ${c.summary}`)].join('\n');
}

function commandUsage(command: Command): string {
  return `${USAGE_PREFIX} ${command.summary}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`error: unknown command "${clipText(name, 80)}"\n${usage()}\n`);
    return 2;
  }
  if (asksForHelp(rest)) {
    process.stdout.write(commandUsage(command) + '\n');
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof CliExit) {
      process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    // tfjs-wasm's abort (its memory full) says only "Aborted()": the fault names the memory and what to do.
    const err = backendFailure(e) ?? e;
    const line = err instanceof SafeTuneError || err instanceof RunError ? err.describe() : err instanceof Error ? err.message : String(err);
    // Messages quote untrusted input: cut to a terminal's worth, saying how much was cut.
    process.stderr.write(`error: ${clipText(line.replace(/\s*\n\s*/g, ' '), MAX_ERROR_MESSAGE_CHARS + MAX_ERROR_HINT_CHARS, { keepEnd: 300 })}\n`);
    return 1;
  } finally {
    releaseCliBackend();
  }
}

endQuietlyWhenStdoutCloses();
process.exitCode = await main(process.argv.slice(2));
