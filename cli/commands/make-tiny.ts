import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { isTinyArch, shapedCheckpointFiles, tinyCheckpointFiles, type TinyCheckpointOptions } from '../../engine/model/tiny-checkpoint';
import { REAL_SHAPES } from '../real-shapes';
import { oneOf, optionalNumber, parseCommandArgs, requireString } from '../../node-host/args';

type Values = Record<string, string | boolean | undefined>;

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
  const { what, files } = checkpoint(v, opts);
  checkShardCount(v, opts, what, shardCount(files));
  await mkdir(out, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(out, name), bytes);
  process.stderr.write(`wrote ${what} to ${out}: ${[...files.keys()].join(', ')}\n`);
}

/** The model's files: --arch's tiny model, or --shape's real shapes with random weights and the tiny tokenizer. */
function checkpoint(v: Values, opts: TinyCheckpointOptions): { what: string; files: Map<string, Uint8Array> } {
  const shape = v['shape'];
  if (typeof shape === 'string') {
    // Sizes and device limits of a real model without a download.
    if (v['arch'] !== undefined) throw new SafeTuneError('bad-argument', 'make-tiny: give --arch or --shape, not both');
    const hf = Object.hasOwn(REAL_SHAPES, shape) ? REAL_SHAPES[shape] : undefined;
    if (hf === undefined) throw new SafeTuneError('bad-argument', `make-tiny: --shape must be one of ${Object.keys(REAL_SHAPES).join(', ')}, got "${shape}"`);
    return { what: `a ${shape}-shaped model (random weights)`, files: shapedCheckpointFiles(hf, opts) };
  }
  const arch = requireString('make-tiny', v, 'arch');
  if (!isTinyArch(arch)) throw new SafeTuneError('bad-argument', `make-tiny: --arch must be llama, llama3, qwen2 or qwen3, got "${arch}"`);
  return { what: `a tiny ${arch} model`, files: tinyCheckpointFiles(arch, opts) };
}

/** Weight files written: model.safetensors alone, or the shards beside model.safetensors.index.json. */
function shardCount(files: ReadonlyMap<string, Uint8Array>): number {
  return [...files.keys()].filter((name) => name.endsWith('.safetensors')).length;
}

/**
 * The split keeps every tensor whole (as save_pretrained does), so a model has at most as many shards as its split at
 * the largest tensor's size makes; more were silently written as that many. Asked for more: an error saying how many.
 */
function checkShardCount(v: Values, opts: TinyCheckpointOptions & { shards: number }, what: string, written: number): void {
  if (written === opts.shards) return;
  const most = shardCount(checkpoint(v, { ...opts, shards: Number.MAX_SAFE_INTEGER }).files);
  const atMost = `at most ${most} shard${most === 1 ? '' : 's'} (a shard holds whole tensors)`;
  if (opts.shards > most) throw new SafeTuneError('bad-argument', `make-tiny: --shards ${opts.shards} is too many: ${what} allows ${atMost}`, `pass --shards ${most} or fewer`);
  // The greedy split jumps past some counts (two shards at one byte limit, four at the next).
  throw new SafeTuneError('bad-argument', `make-tiny: --shards ${opts.shards} cannot be made: the split of ${what} gives ${written} there, and ${atMost}`, `pass --shards ${written}`);
}
