import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { trainCommand } from '../../cli/commands/train';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { RunError } from '../../engine/run/run-errors';
import { loadTrainState } from '../../engine/train/train-state';
import { DirectoryStore, directoryOpener } from '../../node-host/directory-store';
import { RunFolder } from '../../engine/run/run-folder';
import { prepareResume } from '../../cli/train/prepare-run';
import { chatRows, PROBE } from '../worker/helpers/site';

// `train` as a user runs it: a real process, a real Ctrl-C (issue 14, "lost runs").

let dir: string;
let modelDir: string;
let dataPath: string;
let probePath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safetune-cli-'));
  modelDir = join(dir, 'model');
  await mkdir(modelDir);
  for (const [name, bytes] of tinyCheckpointFiles('llama', { seed: 3 })) await writeFile(join(modelDir, name), bytes);
  const lines = chatRows(12).map((r) => JSON.stringify(r));
  lines.splice(2, 0, '{"messages": "not a list"}'); // line 3: rejected
  dataPath = join(dir, 'chat.jsonl');
  await writeFile(dataPath, lines.join('\n') + '\n');
  // A probe set short enough for the tiny model's max length (the bundled one is longer than 64 tokens).
  probePath = join(dir, 'probe.jsonl');
  await writeFile(probePath, PROBE.map((r) => JSON.stringify(r)).join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onLine` sees each stdout line and may signal the process. */
function cli(args: string[], onLine?: (line: string, interrupt: () => void) => void): Promise<Ended> {
  return new Promise((resolve, reject) => {
    // One process (no tsx wrapper in between), so the signal reaches the CLI as a terminal's Ctrl-C does.
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onLine?.(line, () => child.kill('SIGINT'));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface EndedBySignal extends Ended {
  signal: NodeJS.Signals | null;
}

/**
 * Runs `npm run --silent cli -- ARGS` in a process group of its own; `delayMs` after the first stdout line `interruptAt`
 * accepts, the whole group gets SIGINT — what a terminal's Ctrl-C does to npm, its shell and the CLI.
 */
function npmRunCli(args: string[], interruptAt: (line: string) => boolean, delayMs: number): Promise<EndedBySignal> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'cli', '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const interruptGroup = (): void => void (child.pid !== undefined && process.kill(-child.pid, 'SIGINT'));
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && stdout.split('\n').slice(0, -1).some(interruptAt)) {
        sent = true;
        setTimeout(interruptGroup, delayMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const common = () => ['--probe', probePath, '--batch', '2', '--max-length', '64', '--lora-r', '4', '--lora-alpha', '8', '--eval-every', '0', '--guard-drift', 'off', '--seed', '1'];

describe('train CLI', () => {
  test('Ctrl-C saves a checkpoint and exits 130, a second Ctrl-C changing nothing; --resume drops a torn metrics line with a warning and finishes', async () => {
    const out = join(dir, 'run');
    let sent = false;
    let resent = false;
    const first = await cli(['train', '--model', modelDir, '--data', dataPath, '--out', out, '--max-steps', '6', ...common()], (line, interrupt) => {
      if (!sent && line.startsWith('step 2/6')) {
        sent = true;
        interrupt();
      }
      if (!resent && line.startsWith('stopping after this step')) {
        resent = true;
        interrupt(); // a second Ctrl-C while the checkpoint is written
      }
    });
    expect(first.stderr).toMatch(/^interrupted at step (\d)\/6: checkpoint of step \d\/6 in .*; continue with: train --out .* --resume\n$/);
    expect(first.code).toBe(130);
    expect(first.stdout.match(/stopping after this step/g)).toHaveLength(1);
    // Rejected rows are listed with their line numbers, as data-report lists them.
    expect(first.stdout).toMatch(/12 train \/ 0 validation rows \(messages\), 1 rejected/);
    expect(first.stdout).toMatch(/rejected rows:\n {2}chat\.jsonl line 3: /);
    const step = Number(/interrupted at step (\d)/.exec(first.stderr)![1]);
    expect(step).toBeGreaterThanOrEqual(2);
    expect((await loadTrainState(new DirectoryStore(join(out, 'plain'))))?.position.step).toBe(step);

    await appendFile(join(out, 'metrics.jsonl'), '{"step": 7, "loss": 1.2'); // a kill in the middle of a line
    const second = await cli(['train', '--out', out, '--resume']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    // The file holds the eval row of step 0, then one row per step: the torn line is the one after them.
    expect(second.stdout).toMatch(new RegExp(`warning: ${out.replace(/[/.]/g, '\\$&')}/metrics\\.jsonl line ${step + 2} is not a whole JSON line .*dropped`));
    expect(second.stdout).toMatch(/^done: adapter in /m);
    const rows = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number });
    expect(rows.filter((r) => r.loss !== undefined).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    const record = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { status: string; checkpointStep: number };
    expect(record).toMatchObject({ status: 'done', checkpointStep: 6 });
  });

  test('Ctrl-C under `npm run cli` (npm, its shell and the CLI all signalled, as a terminal does) saves a checkpoint and exits 130', async () => {
    // Rows of 256 tokens: a step blocks the event loop for far longer than tsx's CLI wrapper waited (30 ms) before it
    // SIGKILLed the trainer, and the signal lands inside the second step, as a user's Ctrl-C mostly does.
    const longRows = join(dir, 'long.jsonl');
    const words = ['red', 'blue', 'green', 'cat', 'dog', 'sun', 'tree', 'bird'];
    const row = (i: number): string => JSON.stringify({ text: Array.from({ length: 300 }, (_, j) => words[(i * 7 + j * 3) % 8]).join(' ') });
    await writeFile(longRows, Array.from({ length: 8 }, (_, i) => row(i)).join('\n') + '\n');
    const out = join(dir, 'npm-run');
    const args = ['train', '--model', modelDir, '--data', longRows, '--out', out, '--max-steps', '20', '--probe', probePath, '--batch', '2', '--max-length', '256', '--eval-every', '0', '--guard-drift', 'off'];
    const ended = await npmRunCli(args, (line) => line.startsWith('step 1/20'), 50);
    expect(ended.stderr).toMatch(/^interrupted at step \d+\/20: checkpoint of step \d+\/20 in /);
    // What a shell shows as $?: npm re-raises the SIGINT it forwarded once the CLI has exited.
    expect(ended.code ?? 128 + constants.signals[ended.signal!]).toBe(130);
    expect(ended.stdout.match(/stopping after this step/g)).toHaveLength(1);
    const step = Number(/interrupted at step (\d+)/.exec(ended.stderr)![1]);
    expect((await loadTrainState(new DirectoryStore(join(out, 'plain'))))?.position.step).toBe(step);
  });

  test('a closed stdout (`train … | head`) stops the run after its step with a checkpoint, like Ctrl-C, and exits 141', async () => {
    const out = join(dir, 'piped');
    const args = ['train', '--model', modelDir, '--data', dataPath, '--out', out, '--max-steps', '40', '--probe', probePath, '--eval-every', '0', '--guard-drift', 'off'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/^step 1\/40/m.test(seen)) child.stdout.destroy(); // the reader goes away after the first step line
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toMatch(/^stdout was closed at step (\d+)\/40: checkpoint of step \1\/40 in /);
    expect(code).toBe(141);
    const step = Number(/closed at step (\d+)/.exec(stderr)![1]);
    expect(step).toBeLessThan(40);
    expect((await loadTrainState(new DirectoryStore(join(out, 'plain'))))?.position.step).toBe(step);
  });

  test('a diverged run leaves its last good checkpoint\'s adapter in OUT/adapter/, as its hint says', async () => {
    // In this process: the error main.ts would print, and the files it leaves.
    const out = join(dir, 'diverged');
    const args = ['--model', modelDir, '--data', dataPath, '--out', out, '--max-steps', '6', '--lr', '1e30', '--schedule', 'constant', '--max-grad-norm', '0', '--checkpoint-every', '1', '--probe', probePath, '--eval-every', '0'];
    const stdout = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const error = await trainCommand(args).catch((e: unknown) => e).finally(() => (process.stdout.write = stdout));
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('diverged');
    const record = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { status: string; checkpointStep: number };
    expect(record.status).toBe('error');
    const config = JSON.parse(await readFile(join(out, 'adapter', 'adapter_config.json'), 'utf8')) as { r: number };
    expect(config.r).toBe(8);
    const saved = (await loadTrainState(new DirectoryStore(join(out, 'plain')), { maxStep: record.checkpointStep }))!;
    const weights = await readFile(join(out, 'adapter', 'adapter_model.safetensors'));
    // B, which starts at zero and is what the first steps change (A's gradient is zero while B is): the checkpoint's B,
    // trained, finite (the NaN step was never saved) and byte for byte in the exported file.
    const b = [...saved.adapter.modules.values()][0]!.B;
    expect(b.some((x) => x !== 0)).toBe(true);
    expect(b.every(Number.isFinite)).toBe(true);
    expect(Buffer.from(weights).includes(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);
  });

  test('--resume accepts the flags that started the run again, and names each one that would change it', async () => {
    const out = join(dir, 'again');
    const started = ['--model', modelDir, '--data', dataPath, '--out', out, '--max-steps', '2', '--lr', '0.01', '--probe', probePath, '--eval-every', '0'];
    const stdout = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await trainCommand(started);
      // The same command with --resume gets past the flags to the run's own state (it finished: nothing to continue).
      await expect(trainCommand([...started, '--resume'])).rejects.toThrow(/^train --resume: run .* is done at step 2; there is nothing to continue/);
      const other = join(dir, 'other.jsonl');
      await writeFile(other, chatRows(3).map((r) => JSON.stringify(r)).join('\n') + '\n');
      await expect(trainCommand(['--out', out, '--resume', '--max-steps', '3', '--lr', '0.01', '--guard-drift', 'off', '--data', other])).rejects.toThrow(
        /^train --resume continues the run as recorded; these flags would change it: --max-steps 3 \(the run: 2\); --guard-drift off \(the run: 0\.5\); --data .*other\.jsonl is not the file the run trained on$/,
      );
    } finally {
      process.stdout.write = stdout;
    }
  });

  test('--resume --data FILE reads the run folder\'s dataset copy once, for the flag check and the resume (it read it twice)', async () => {
    const out = join(dir, 'read-once');
    const stdout = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await trainCommand(['--model', modelDir, '--data', dataPath, '--out', out, '--max-steps', '2', '--probe', probePath, '--eval-every', '0']);
    } finally {
      process.stdout.write = stdout;
    }
    // The finished run as if it had paused after its first checkpoint: prepareResume reads its data as a resume would.
    const record = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(out, 'run.json'), JSON.stringify({ ...record, status: 'paused', checkpointStep: 1 }));
    class CountingFolder extends RunFolder {
      datasetReads = 0;
      override readDataset(): Promise<Uint8Array | undefined> {
        this.datasetReads++;
        return super.readDataset();
      }
    }
    const folder = new CountingFolder(directoryOpener(out));
    const prepared = await prepareResume(folder, { out, resume: true, data: dataPath }, () => {});
    prepared.model.dispose();
    expect(folder.datasetReads).toBe(1);
    expect(prepared.data.train.length).toBeGreaterThan(0);
  });

  test('a LoRA rank wider than the model is refused at once with the widest allowed', async () => {
    // In this process (no second start-up): the error main.ts prints as "error: MESSAGE (hint: HINT)", exit 1.
    const error = await trainCommand(['--model', modelDir, '--data', dataPath, '--out', join(dir, 'wide'), '--lora-r', '100000']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).describe()).toMatch(/^LoRA rank 100000 is larger than the narrowest target layer \(\w+_proj, (\d+) wide\) of this LlamaForCausalLM model \(hint: Use a rank of at most \1/);
  });
});
