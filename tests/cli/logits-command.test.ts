import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { logitsCommand } from '../../cli/commands/logits';
import { tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';

const dir = mkdtempSync(join(tmpdir(), 'safetune-logits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// `cli logits` in-process, as cli/main.ts runs it: it must leave the tensor count where it found it (the input ids
// included), so the command can be called from a long-lived process too.
test('cli logits prints [T, V] logits and leaves no tensor behind', async () => {
  for (const [name, bytes] of tinyCheckpointFiles('llama', { seed: 3 })) writeFileSync(join(dir, name), bytes);
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    lines.push(String(s));
    return true;
  });
  try {
    await logitsCommand(['--model', dir, '--ids', '1,2,3', '--backend', 'cpu']); // selects the backend, warms it up
    const before = tf.memory().numTensors;
    await logitsCommand(['--model', dir, '--ids', '5,6,7,8', '--backend', 'cpu']);
    expect(tf.memory().numTensors).toBe(before);
  } finally {
    write.mockRestore();
  }
  const out = JSON.parse(lines[1]!) as { shape: number[]; logits: number[] };
  expect(out.shape[0]).toBe(4);
  expect(out.logits).toHaveLength(out.shape[0]! * out.shape[1]!);
  expect(out.logits.every(Number.isFinite)).toBe(true);
});
