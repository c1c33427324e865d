import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { isTinyArch, tinyCheckpointFiles } from '../../engine/model/tiny-checkpoint';
import { oneOf, optionalNumber, parseCommandArgs, requireString } from '../../node-host/args';

export async function makeTinyCommand(argv: string[]): Promise<void> {
  const v = parseCommandArgs('make-tiny', argv, {
    arch: { type: 'string' },
    out: { type: 'string' },
    dtype: { type: 'string' },
    shards: { type: 'string' },
    seed: { type: 'string' },
  });
  const arch = requireString('make-tiny', v, 'arch');
  if (!isTinyArch(arch)) throw new SafeTuneError('bad-argument', `make-tiny: --arch must be llama, llama3, qwen2 or qwen3, got "${arch}"`);
  const out = requireString('make-tiny', v, 'out');
  const shards = optionalNumber('make-tiny', v, 'shards', true) ?? 1;
  if (shards < 1) throw new SafeTuneError('bad-argument', 'make-tiny: --shards must be at least 1');
  const files = tinyCheckpointFiles(arch, {
    dtype: oneOf('make-tiny', v, 'dtype', ['f32', 'bf16'] as const, 'f32'),
    shards,
    seed: optionalNumber('make-tiny', v, 'seed', true) ?? 0,
  });
  await mkdir(out, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(out, name), bytes);
  process.stderr.write(`wrote a tiny ${arch} model to ${out}: ${[...files.keys()].join(', ')}\n`);
}
