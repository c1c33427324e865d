import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asksForHelp } from '../../cli/args-help';
import { checkBenchFlags, shapeConfig } from '../../cli/bench/flags';
import { REAL_SHAPES } from '../../cli/real-shapes';
import { makeTinyCommand } from '../../cli/commands/make-tiny';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';

// The CLI's edges as a user meets them: --help, a closed pipe, flags that would have been ignored.

let dir: string;
let modelDir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safetune-cli-args-'));
  modelDir = join(dir, 'model');
  await mkdir(modelDir);
  for (const [name, bytes] of tinyCheckpointFiles('llama', { seed: 1 })) await writeFile(join(modelDir, name), bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `npm run --silent SCRIPT -- ARGS`, the way the README runs the CLI and the bench. */
function npmRun(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', ['run', '--silent', script, '--', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--help', () => {
  test('on a command prints its usage on stdout and exits 0 (it was "Unknown option \'--help\'", exit 1)', () => {
    const train = npmRun('cli', ['train', '--model', 'M', '--help']);
    expect([train.status, train.stderr]).toEqual([0, '']);
    expect(train.stdout).toMatch(/^usage: npm run --silent cli -- train --model DIR --data FILE --out DIR /);
    expect(train.stdout).toContain('train --out DIR --resume');

    const bench = npmRun('bench', ['--help']);
    expect([bench.status, bench.stderr]).toEqual([0, '']);
    expect(bench.stdout).toMatch(/^usage: npm run --silent bench -- \[--backend /);
    expect(bench.stdout).toContain('--shape smollm2-135m|smollm2-360m|qwen2.5-0.5b|qwen3-0.6b|tinyllama-1.1b|llama-3.2-1b [--layers N] [--batch B --seq-len T --steps N --anchors N]');
  });

  test('is asked for by --help or -h among the options, not after --', () => {
    expect(asksForHelp(['--help'])).toBe(true);
    expect(asksForHelp(['--model', 'm', '-h'])).toBe(true);
    expect(asksForHelp(['--prompt=--help'])).toBe(false);
    expect(asksForHelp(['--model', 'm', '--', '--help'])).toBe(false);
    expect(asksForHelp([])).toBe(false);
  });
});

test('a reader that closes the pipe early (`cli logits … | head -c 60`) ends the command quietly with 141', async () => {
  // 200 positions × the vocabulary: far more JSON than a pipe buffers, so the CLI is still writing when the pipe closes.
  const ids = Array.from({ length: 200 }, (_, i) => (i % 300) + 1).join(',');
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'logits', '--model', modelDir, '--ids', ids], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  // It was exit 0 with tfjs-wasm's whole minified source (about 40 KB) on stderr.
  expect(stderr).toBe('');
  expect(code).toBe(141);
});

describe('flags that would be ignored are errors naming them', () => {
  test('bench: the real-shape flags without --shape, and the step flags with --logits-check', () => {
    for (const flag of ['batch', 'seq-len', 'steps', 'anchors']) {
      expect(() => checkBenchFlags({ [flag]: '2' })).toThrow(new RegExp(`^bench: --${flag} needs --shape$`));
      expect(() => checkBenchFlags({ shape: 'smollm2-135m', 'logits-check': true, [flag]: '2' })).toThrow(`bench: --${flag} does not apply to --logits-check`);
      expect(() => checkBenchFlags({ shape: 'smollm2-135m', [flag]: '2' })).not.toThrow();
    }
    expect(() => checkBenchFlags({ 'logits-check': true })).toThrow('bench: --logits-check needs --shape');
    expect(() => checkBenchFlags({ backend: 'wasm', json: true })).not.toThrow();
  });

  test('bench --layers: needs --shape, applies to --logits-check too, a positive integer up to the shape\'s layer count', () => {
    expect(() => checkBenchFlags({ layers: '1' })).toThrow(/^bench: --layers needs --shape$/);
    expect(() => checkBenchFlags({ shape: 'llama-3.2-1b', layers: '1', 'logits-check': true })).not.toThrow();
    expect(() => checkBenchFlags({ shape: 'llama-3.2-1b', layers: '2', steps: '1' })).not.toThrow();

    // Fewer decoder layers, everything else as published.
    const one = shapeConfig('qwen3-0.6b', { layers: '1' });
    expect(one).toEqual({ ...REAL_SHAPES['qwen3-0.6b'], num_hidden_layers: 1 });
    expect(shapeConfig('llama-3.2-1b', { layers: '16' })).toBe(REAL_SHAPES['llama-3.2-1b']);
    expect(shapeConfig('tinyllama-1.1b', {})).toBe(REAL_SHAPES['tinyllama-1.1b']);
    expect(REAL_SHAPES['qwen3-0.6b']!['num_hidden_layers']).toBe(28); // the table itself is untouched

    expect(() => shapeConfig('llama-3.2-1b', { layers: '17' })).toThrow('bench: --layers 17 is more than llama-3.2-1b has (16 decoder layers)');
    for (const bad of ['0', '-1', '1.5', 'two', '']) {
      expect(() => shapeConfig('smollm2-360m', { layers: bad })).toThrow(`bench: --layers must be a positive integer, got "${bad}"`);
    }
  });

  test('make-tiny: more shards than the model has tensors to split (5 were written for 100)', async () => {
    const out = join(dir, 'sharded');
    await expect(makeTinyCommand(['--arch', 'llama', '--out', out, '--shards', '100'])).rejects.toThrow('make-tiny: --shards 100 is too many: a tiny llama model allows at most 5 shards');
    await expect(readdir(out)).rejects.toThrow(/ENOENT/); // nothing written
    await makeTinyCommand(['--arch', 'llama', '--out', out, '--shards', '5']);
    expect((await readdir(out)).filter((name) => name.endsWith('.safetensors'))).toHaveLength(5);
  });
});
