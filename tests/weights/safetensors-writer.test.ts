import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { byteSourceFromBytes } from '../../engine/weights/byte-sources';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../engine/weights/dtype';
import { readSafetensorsHeader } from '../../engine/weights/safetensors';
import { writeSafetensors, writeShardedCheckpoint, type TensorToWrite } from '../../engine/weights/safetensors-writer';
import { referenceRead } from './helpers/reference-safetensors';

const read = (bytes: Uint8Array) => readSafetensorsHeader(byteSourceFromBytes('written.safetensors', bytes));

/** What a stored value reads back as: f32 unchanged, 16-bit formats rounded by the conversion functions. */
function storedValue(x: number, dtype: TensorToWrite['dtype']): number {
  if (dtype === 'BF16') return bf16BitsToF32(f32ToBf16Bits(x));
  if (dtype === 'F16') return f16BitsToF32(f32ToF16Bits(x));
  return Math.fround(x);
}

const sameFloat = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('writeSafetensors: byte layout of the reference writer', () => {
  // Expected bytes from huggingface/safetensors' own serialization tests.
  it('writes one F32 tensor exactly as the reference does (header already a multiple of 8)', () => {
    const out = writeSafetensors([{ name: 'attn.0', shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]), dtype: 'F32' }]);
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    expect(Array.from(out.subarray(0, 8))).toEqual([64, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(out.subarray(8, 72))).toBe(header);
    expect(Array.from(out.subarray(72, 80))).toEqual([0, 0, 0, 0, 0, 0, 128, 63]);
    expect(out.length).toBe(8 + 64 + 24);
  });

  it('pads the header with spaces to a multiple of 8', () => {
    const out = writeSafetensors([{ name: 'attn0', shape: [1, 1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]), dtype: 'F32' }]);
    expect(out[0]).toBe(72);
    const text = new TextDecoder().decode(out.subarray(8, 80));
    expect(text).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}' + ' '.repeat(7));
  });

  it('writes empty files with and without metadata like the reference', () => {
    expect(Array.from(writeSafetensors([]))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const withMeta = writeSafetensors([], { framework: 'pt' });
    expect(withMeta[0]).toBe(40);
    expect(new TextDecoder().decode(withMeta.subarray(8))).toBe('{"__metadata__":{"framework":"pt"}}     ');
  });

  it('puts F32 tensors before 16-bit ones, keeping the given order within each, so every tensor is aligned', async () => {
    const t = (name: string, dtype: TensorToWrite['dtype'], n: number): TensorToWrite => ({ name, dtype, shape: [n], data: new Float32Array(n).fill(1) });
    const st = await read(writeSafetensors([t('z.half', 'F16', 3), t('b.f32', 'F32', 2), t('a.bf16', 'BF16', 1), t('a.f32', 'F32', 1)]));
    expect([...st.tensors.keys()]).toEqual(['b.f32', 'a.f32', 'z.half', 'a.bf16']);
    for (const info of st.tensors.values()) expect(info.byteOffset % (info.dtype === 'F32' ? 4 : 2)).toBe(0);
  });
});

describe('writeSafetensors: round trip', () => {
  const dtypeArb = fc.constantFrom<TensorToWrite['dtype']>('F32', 'F16', 'BF16');
  const tensorsArb = fc
    .uniqueArray(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__'), { maxLength: 6 })
    .chain((names) =>
      fc.tuple(
        ...names.map((name) =>
          fc
            .tuple(dtypeArb, fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }))
            .chain(([dtype, shape]) =>
              fc
                .array(fc.float({ noDefaultInfinity: false }), {
                  minLength: shape.reduce((a, b) => a * b, 1),
                  maxLength: shape.reduce((a, b) => a * b, 1),
                })
                .map((values): TensorToWrite => ({ name, dtype, shape, data: new Float32Array(values) })),
            ),
        ),
      ),
    );
  const metadataArb = fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), { nil: undefined });

  it('reads back every tensor with its shape, dtype and values rounded by the conversion functions', async () => {
    await fc.assert(
      fc.asyncProperty(tensorsArb, metadataArb, async (tensors, metadata) => {
        const bytes = writeSafetensors(tensors, metadata);
        expect((bytes.length - 8 - Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 2).toBe(0);
        expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
        const st = await read(bytes);
        expect(st.metadata).toEqual(metadata ?? {});
        expect(st.tensors.size).toBe(tensors.length);
        const reference = referenceRead(bytes);
        expect(reference).not.toBe('invalid');
        for (const t of tensors) {
          const back = await st.read(t.name);
          expect(back.dtype).toBe(t.dtype);
          expect(back.shape).toEqual(t.shape);
          const expected = Array.from(t.data, (x) => storedValue(x, t.dtype));
          expect(Array.from(back.data).every((v, i) => sameFloat(v, expected[i]!))).toBe(true);
          // The independent decoder agrees on the written bytes too.
          const ref = (reference as Map<string, { values: number[] | undefined }>).get(t.name)!.values!;
          expect(ref.every((v, i) => sameFloat(v, expected[i]!))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed tensor lists with bad-argument naming the tensor', () => {
    const ok: TensorToWrite = { name: 'w', shape: [2], data: new Float32Array(2), dtype: 'F32' };
    const bad: [TensorToWrite[], string][] = [
      [[{ ...ok, shape: [3] }], 'shape [3] has 3 elements but data has 2'],
      [[ok, ok], 'two tensors have this name'],
      [[{ ...ok, name: '__metadata__' }], 'name'],
      [[{ ...ok, dtype: 'I8' as 'F32' }], 'dtype I8'],
      [[{ ...ok, shape: [-2] }], 'shape'],
    ];
    for (const [tensors, fragment] of bad) {
      let error: unknown;
      try {
        writeSafetensors(tensors);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SafeTuneError);
      expect((error as SafeTuneError).code).toBe('bad-argument');
      expect((error as SafeTuneError).message).toContain(fragment);
    }
  });
});

describe('writeShardedCheckpoint', () => {
  const tensor = (name: string, n: number, dtype: TensorToWrite['dtype'] = 'F32'): TensorToWrite => ({
    name,
    dtype,
    shape: [n],
    data: Float32Array.from({ length: n }, (_, i) => i + name.length),
  });

  it('splits greedily like save_pretrained and writes the index with total_size and a sorted weight_map', async () => {
    // 16-byte limit. As in huggingface_hub's split_state_dict_into_shards: a tensor over the limit gets its own shard
    // at once, while the shard being filled stays open: a (12 B) | big (40 B) | b + c (16 B) | d (4 B).
    const tensors = [tensor('a', 3), tensor('b', 2), tensor('c', 2), tensor('big', 10), tensor('d', 1)];
    const { files } = writeShardedCheckpoint(tensors, 16);
    expect([...files.keys()]).toEqual([
      'model-00001-of-00004.safetensors',
      'model-00002-of-00004.safetensors',
      'model-00003-of-00004.safetensors',
      'model-00004-of-00004.safetensors',
      'model.safetensors.index.json',
    ]);
    const indexText = new TextDecoder().decode(files.get('model.safetensors.index.json'));
    expect(indexText).toBe(
      [
        '{',
        '  "metadata": {',
        '    "total_size": 72',
        '  },',
        '  "weight_map": {',
        '    "a": "model-00001-of-00004.safetensors",',
        '    "b": "model-00003-of-00004.safetensors",',
        '    "big": "model-00002-of-00004.safetensors",',
        '    "c": "model-00003-of-00004.safetensors",',
        '    "d": "model-00004-of-00004.safetensors"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const shard3 = await read(files.get('model-00003-of-00004.safetensors')!);
    expect([...shard3.tensors.keys()]).toEqual(['b', 'c']);
    expect(shard3.metadata).toEqual({ format: 'pt' });
    expect(Array.from((await shard3.read('c')).data)).toEqual([1, 2]);
  });

  it('writes a single model.safetensors without an index when everything fits in one shard', () => {
    const { files } = writeShardedCheckpoint([tensor('a', 2), tensor('b', 2, 'BF16')], 1000);
    expect([...files.keys()]).toEqual(['model.safetensors']);
  });

  it('rejects a non-positive shard size', () => {
    expect(() => writeShardedCheckpoint([tensor('a', 1)], 0)).toThrow(SafeTuneError);
  });
});
