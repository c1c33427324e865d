import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeTuneError } from '../../engine/errors';
import { byteSourceFromBytes } from '../../engine/weights/byte-sources';
import { readSafetensorsHeader } from '../../engine/weights/safetensors';
import { writeSafetensors, type TensorToWrite } from '../../engine/weights/safetensors-writer';
import { buildFile, referenceRead } from './helpers/reference-safetensors';

/**
 * Whatever bytes it is given, the reader either returns exactly the tensors the independent reference decoder finds,
 * or throws SafeTuneError('bad-safetensors'); never another exception, never a wrong tensor.
 */
async function agreesWithReference(file: Uint8Array): Promise<void> {
  const reference = referenceRead(file);
  let st;
  try {
    st = await readSafetensorsHeader(byteSourceFromBytes('fuzz.safetensors', file));
  } catch (e) {
    if (!isSafeTuneError(e) || e.code !== 'bad-safetensors') throw e;
    expect(reference, `reader rejected a file the reference accepts: ${e.message}`).toBe('invalid');
    return;
  }
  expect(reference, 'reader accepted a file the reference rejects').not.toBe('invalid');
  const expected = reference as Exclude<typeof reference, 'invalid'>;
  expect([...st.tensors.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, ref] of expected) {
    const info = st.tensors.get(name)!;
    expect(info.dtype).toBe(ref.dtype);
    expect(info.shape).toEqual(ref.shape);
    if (ref.values === undefined) {
      await expect(st.read(name)).rejects.toMatchObject({ code: 'bad-safetensors' });
      continue;
    }
    const tensor = await st.read(name);
    expect(tensor.shape).toEqual(ref.shape);
    expect(tensor.data.length).toBe(ref.values.length);
    const mismatch = ref.values.findIndex((v, i) => !(Object.is(v, tensor.data[i]) || (Number.isNaN(v) && Number.isNaN(tensor.data[i]!))));
    expect(mismatch, `tensor ${name} differs at element ${mismatch}`).toBe(-1);
  }
}

const tensorArb = fc
  .tuple(
    fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__metadata__'),
    fc.constantFrom<TensorToWrite['dtype']>('F32', 'F16', 'BF16'),
    fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  )
  .map(([name, dtype, shape]): TensorToWrite => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { name, dtype, shape, data: Float32Array.from({ length: n }, (_, i) => (i - 1.3) * 0.7) };
  });
const validFileArb = fc
  .uniqueArray(tensorArb, { maxLength: 4, selector: (t) => t.name })
  .map((tensors) => writeSafetensors(tensors, { format: 'pt' }));

describe('safetensors reader under corruption (property-based)', () => {
  it('valid files with a few bytes overwritten anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        validFileArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (file, edits) => {
          const bad = file.slice();
          for (const [at, byte] of edits) bad[at % bad.length] = byte;
          await agreesWithReference(bad);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('valid files with header characters swapped for JSON-significant ones', async () => {
    const significant = [...'{}[],:"0123456789-. eE'].map((c) => c.charCodeAt(0));
    await fc.assert(
      fc.asyncProperty(validFileArb, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...significant)), { minLength: 1, maxLength: 3 }), async (file, edits) => {
        const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
        const bad = file.slice();
        for (const [at, byte] of edits) bad[8 + (at % headerLength)] = byte;
        await agreesWithReference(bad);
      }),
      { numRuns: 1500 },
    );
  });

  it('truncated files are always rejected', async () => {
    await fc.assert(
      fc.asyncProperty(validFileArb, fc.nat(), async (file, cut) => {
        const truncated = file.subarray(0, cut % file.length);
        await expect(readSafetensorsHeader(byteSourceFromBytes('t.safetensors', truncated))).rejects.toMatchObject({ code: 'bad-safetensors' });
      }),
      { numRuns: 500 },
    );
  });

  it('files with bytes appended are rejected (the data region must end with the last tensor)', async () => {
    await fc.assert(
      fc.asyncProperty(validFileArb, fc.uint8Array({ minLength: 1, maxLength: 16 }), async (file, extra) => {
        const longer = new Uint8Array([...file, ...extra]);
        await expect(readSafetensorsHeader(byteSourceFromBytes('t.safetensors', longer))).rejects.toMatchObject({ code: 'bad-safetensors' });
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes, with and without a plausible length prefix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 96 }), fc.boolean(), async (bytes, plausible) => {
        const file = bytes.slice();
        if (plausible && file.length >= 8) new DataView(file.buffer).setBigUint64(0, BigInt(file[0]! % (file.length - 7)), true);
        await agreesWithReference(file);
      }),
      { numRuns: 1500 },
    );
  });

  it('structurally random headers: wrong types, missing fields, odd shapes and offsets', async () => {
    const field = (valid: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
    const entry = fc.record(
      {
        dtype: field(fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8', 'F4', 'BOOL', 'F8_E4M3', 'f32', 'Q4')),
        shape: field(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 })),
        data_offsets: field(fc.tuple(fc.integer({ min: -2, max: 40 }), fc.integer({ min: -2, max: 40 }))),
      },
      { requiredKeys: [] },
    );
    const header = fc.dictionary(
      fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__metadata__')),
      fc.oneof({ weight: 6, arbitrary: entry }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(header, fc.uint8Array({ maxLength: 40 }), async (h, data) => {
        await agreesWithReference(buildFile(h, data));
      }),
      { numRuns: 3000 },
    );
  });

  it('consistent random layouts of every dtype are read exactly (the reference agrees they are valid)', async () => {
    const dtypes = ['F32', 'F16', 'BF16', 'I64', 'U8', 'BOOL', 'F4', 'I16'] as const;
    const bits: Record<(typeof dtypes)[number], number> = { F32: 32, F16: 16, BF16: 16, I64: 64, U8: 8, BOOL: 8, F4: 4, I16: 16 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...dtypes), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 })), { maxLength: 5 }),
        fc.infiniteStream(fc.integer({ min: 0, max: 255 })),
        async (layout, byteStream) => {
          const header: Record<string, unknown> = {};
          let at = 0;
          layout.forEach(([dtype, shape], i) => {
            const elements = shape.reduce((a, b) => a * b, 1);
            const bytes = Math.ceil((elements * bits[dtype]) / 8);
            header[`t${i}`] = { dtype, shape: dtype === 'F4' && elements % 2 === 1 ? [...shape, 2] : shape, data_offsets: [at, at + (dtype === 'F4' && elements % 2 === 1 ? elements : bytes)] };
            at += dtype === 'F4' && elements % 2 === 1 ? elements : bytes;
          });
          const data = Uint8Array.from(byteStream.take(at));
          const file = buildFile(header, data);
          expect(referenceRead(file)).not.toBe('invalid');
          await agreesWithReference(file);
        },
      ),
      { numRuns: 500 },
    );
  });
  it('random placements of well-sized tensors: contiguous, shuffled, overlapping, gapped', async () => {
    const bytesPer = { F32: 4, F16: 2, BF16: 2, U8: 1 } as const;
    const placement = fc.tuple(
      fc.constantFrom<keyof typeof bytesPer>('F32', 'F16', 'BF16', 'U8'),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
      fc.nat(), // which boundary the tensor starts at
      fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(placement, { maxLength: 4 }), fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -4, max: 4 }) }), fc.infiniteStream(fc.integer({ min: 0, max: 255 })), async (placements, tail, byteStream) => {
        const sizes = placements.map(([dtype, shape]) => shape.reduce((a, b) => a * b, 1) * bytesPer[dtype]);
        const boundaries = sizes.reduce<number[]>((acc, size) => [...acc, acc.at(-1)! + size], [0]);
        const header: Record<string, unknown> = {};
        let end = 0;
        placements.forEach(([dtype, shape, choice, jitter], i) => {
          const begin = Math.max(0, boundaries[choice % boundaries.length]! + jitter);
          header[`t${i}`] = { dtype, shape, data_offsets: [begin, begin + sizes[i]!] };
          end = Math.max(end, begin + sizes[i]!);
        });
        const data = Uint8Array.from(byteStream.take(Math.max(0, end + tail)));
        await agreesWithReference(buildFile(header, data));
      }),
      { numRuns: 2000 },
    );
  });
});
