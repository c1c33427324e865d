import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { isTinyArch, shapedCheckpointFiles, tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { REAL_SHAPES } from '../real-shapes';
import { oneOf, optionalNumber, parseCommandArgs, requireString } from '../../node-host/args';

export async function makeTinyCommand(argv: string[]): Promise<void> {
  const v = parseCommandArgs('make-tiny', argv, {
    arch: { type: 'string' },
    shape: { type: 'string' },
    out: { type: 'string' },
    dtype: { type: 'string' },
    shards: { type: 'string' },
    seed: { type: 'string' },
  });
  const out = requireString('make-tiny', v, 'out');
  const shards = optionalNumber('make-tiny', v, 'shards', true) ?? 1;
  if (shards < 1) throw new SafeTuneError('bad-argument', 'make-tiny: --shards must be at least 1');
  const opts = {
    dtype: oneOf('make-tiny', v, 'dtype', ['f32', 'bf16'] as const, 'f32'),
    shards,
    seed: optionalNumber('make-tiny', v, 'seed', true) ?? 0,
  };
  const shape = v['shape'];
  let files: Map<string, Uint8Array>;
  let what: string;
  if (typeof shape === 'string') {
    // A real model's exact shapes with random weights and the tiny tokenizer: sizes and device limits without a download.
    if (v['arch'] !== undefined) throw new SafeTuneError('bad-argument', 'make-tiny: give --arch or --shape, not both');
    const hf = Object.hasOwn(REAL_SHAPES, shape) ? REAL_SHAPES[shape] : undefined;
    if (hf === undefined) throw new SafeTuneError('bad-argument', `make-tiny: --shape must be one of ${Object.keys(REAL_SHAPES).join(', ')}, got "${shape}"`);
    files = shapedCheckpointFiles(hf, opts);
    what = `a ${shape}-shaped model (random weights)`;
  } else {
    const arch = requireString('make-tiny', v, 'arch');
    if (!isTinyArch(arch)) throw new SafeTuneError('bad-argument', `make-tiny: --arch must be llama, llama3, qwen2 or qwen3, got "${arch}"`);
    files = tinyCheckpointFiles(arch, opts);
    what = `a tiny ${arch} model`;
  }
  await mkdir(out, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(out, name), bytes);
  process.stderr.write(`wrote ${what} to ${out}: ${[...files.keys()].join(', ')}\n`);
}
