import { describe, expect, it } from 'vitest';
import { SafeTuneError } from '../../engine/errors';
import { byteSourceFromBytes } from '../../engine/weights/byte-sources';
import { f32ToBf16Bits, f32ToF16Bits } from '../../engine/weights/dtype';
import { readSafetensorsHeader } from '../../engine/weights/safetensors';
import { buildFile, f32Bytes } from './helpers/reference-safetensors';

const open = (bytes: Uint8Array, name = 'model.safetensors') => readSafetensorsHeader(byteSourceFromBytes(name, bytes));

/** Expects a SafeTuneError with `code` whose message contains every fragment. */
async function expectError(promise: Promise<unknown>, code: string, ...fragments: (string | RegExp)[]) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SafeTuneError);
  const e = error as SafeTuneError;
  expect(e.code).toBe(code);
  for (const f of fragments) expect(e.message).toMatch(f);
  expect(e.hint).toBeTruthy();
}

function u16Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(values).buffer);
}

describe('readSafetensorsHeader: valid files', () => {
  it('reads F32, F16 and BF16 tensors into Float32Array with their shapes, plus metadata', async () => {
    const f32 = f32Bytes([1, -2.5, 3, 1e-3]);
    const f16 = u16Bytes([0.5, -1, 65504].map(f32ToF16Bits));
    const bf16 = u16Bytes([3.140625, -0.0078125].map(f32ToBf16Bits));
    const data = new Uint8Array([...f32, ...f16, ...bf16]);
    const file = buildFile(
      {
        __metadata__: { format: 'pt' },
        'w.f32': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        'w.f16': { dtype: 'F16', shape: [3], data_offsets: [16, 22] },
        'w.bf16': { dtype: 'BF16', shape: [1, 2], data_offsets: [22, 26] },
      },
      data,
    );
    const st = await open(file);
    expect(st.metadata).toEqual({ format: 'pt' });
    expect([...st.tensors.keys()]).toEqual(['w.f32', 'w.f16', 'w.bf16']);
    expect(st.tensors.get('w.f16')).toMatchObject({ dtype: 'F16', shape: [3], byteLength: 6 });

    const a = await st.read('w.f32');
    expect(a).toMatchObject({ name: 'w.f32', dtype: 'F32', shape: [2, 2] });
    expect(Array.from(a.data)).toEqual(Array.from(new Float32Array([1, -2.5, 3, 1e-3])));
    // The BF16 tensor starts at an odd absolute offset here unless the header length happens to be odd: check both
    // alignments are handled by reading it through the whole-file view.
    expect(Array.from((await st.read('w.f16')).data)).toEqual([0.5, -1, 65504]);
    expect(Array.from((await st.read('w.bf16')).data)).toEqual([3.140625, -0.0078125]);
  });

  it('reads 16-bit tensors at odd byte offsets (copying into an aligned buffer)', async () => {
    const bf = u16Bytes([1.5, -2].map(f32ToBf16Bits));
    const half = u16Bytes([0.25, 8].map(f32ToF16Bits));
    for (const pad of [0, 1]) {
      // Header text of odd / even length makes the data region start at an odd / even absolute offset.
      const header = JSON.stringify({
        a: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] },
        b: { dtype: 'F16', shape: [2], data_offsets: [4, 8] },
      });
      const file = buildFile(header + ' '.repeat(pad + (header.length % 2 === 0 ? 1 : 0)), new Uint8Array([...bf, ...half]));
      const st = await open(file);
      expect(st.tensors.get('a')!.byteOffset % 2).toBe((pad + 1) % 2 === 0 ? 0 : 1);
      expect(Array.from((await st.read('a')).data)).toEqual([1.5, -2]);
      expect(Array.from((await st.read('b')).data)).toEqual([0.25, 8]);
    }
  });

  it('returns a fresh Float32Array that does not alias the file buffer', async () => {
    const file = buildFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32Bytes([1, 2]));
    const st = await open(file);
    const t = await st.read('w');
    t.data[0] = 99;
    expect((await st.read('w')).data[0]).toBe(1);
  });

  it('accepts scalars, zero-size tensors and an empty file', async () => {
    const file = buildFile(
      {
        scalar: { dtype: 'F32', shape: [], data_offsets: [0, 4] },
        empty: { dtype: 'F16', shape: [0, 3], data_offsets: [4, 4] },
      },
      f32Bytes([7]),
    );
    const st = await open(file);
    expect(Array.from((await st.read('scalar')).data)).toEqual([7]);
    expect((await st.read('empty')).data.length).toBe(0);
    expect((await open(buildFile({}))).tensors.size).toBe(0);
    expect((await open(buildFile({ __metadata__: null }))).metadata).toEqual({});
  });

  it('tolerates unknown extra fields in an entry, like the reference reader', async () => {
    const file = buildFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4], extra: 1 } }, f32Bytes([5]));
    expect(Array.from((await (await open(file)).read('w')).data)).toEqual([5]);
  });
});

describe('readSafetensorsHeader: dtypes', () => {
  it('knows the other safetensors dtypes but refuses to read them as weights, naming dtype, tensor and file', async () => {
    const file = buildFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(16));
    const st = await open(file, 'shard-2.safetensors');
    expect(st.tensors.get('ids')!.dtype).toBe('I64');
    await expectError(st.read('ids'), 'bad-safetensors', 'unsupported dtype I64', '"ids"', 'shard-2.safetensors');
  });

  it('handles sub-byte dtypes: F4 with an even count is whole bytes, an odd count is not', async () => {
    const ok = await open(buildFile({ q: { dtype: 'F4', shape: [4], data_offsets: [0, 2] } }, new Uint8Array(2)));
    await expectError(ok.read('q'), 'bad-safetensors', 'unsupported dtype F4');
    await expectError(open(buildFile({ q: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }, new Uint8Array(2))), 'bad-safetensors', 'not a whole number of bytes');
  });

  it('reports an unknown dtype string as its own error', async () => {
    await expectError(open(buildFile({ w: { dtype: 'F42', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))), 'bad-safetensors', 'unknown dtype "F42"', '"w"');
  });

  it('reports a missing tensor name as missing-tensor', async () => {
    const st = await open(buildFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)));
    await expectError(st.read('nope'), 'missing-tensor', '"nope"', 'model.safetensors');
  });
});

describe('readSafetensorsHeader: requireFinite', () => {
  const values = (bad: number): number[] => [1, -2, bad, 4];
  const fileOf = (dtype: 'F32' | 'F16' | 'BF16', bad: number): Uint8Array => {
    const bytes = dtype === 'F32' ? f32Bytes(values(bad)) : u16Bytes(values(bad).map(dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits));
    return buildFile({ w: { dtype, shape: [2, 2], data_offsets: [0, bytes.length] } }, bytes);
  };

  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      it(`${dtype}: ${bad} is an error naming the tensor, the file and the index; without the option it is read as is`, async () => {
        const st = await open(fileOf(dtype, bad), 'model-00002-of-00003.safetensors');
        await expectError(st.read('w', { requireFinite: true }), 'bad-safetensors', `tensor "w" in model-00002-of-00003.safetensors holds ${bad} at index 2`);
        expect(Array.from((await st.read('w')).data)).toEqual(values(bad));
      });
    }
  }

  it('finite values (the largest half, zeros, subnormals) pass', async () => {
    const bytes = u16Bytes([65504, -0, 0, 1e-7].map(f32ToF16Bits));
    const st = await open(buildFile({ w: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, bytes));
    expect((await st.read('w', { requireFinite: true })).data[0]).toBe(65504);
  });
});

describe('readSafetensorsHeader: broken files', () => {
  const w = (entry: unknown) => ({ w: entry });

  it('rejects files too short for the length prefix', async () => {
    await expectError(open(new Uint8Array(5)), 'bad-safetensors', 'only 5 bytes', 'model.safetensors');
  });

  it('rejects a header length past the end of the file, or over the 100 MB limit', async () => {
    await expectError(open(buildFile({}, new Uint8Array(0), 1000n)), 'bad-safetensors', 'header length of 1000 bytes', 'only 10 bytes');
    await expectError(open(buildFile({}, new Uint8Array(0), 2n ** 63n)), 'bad-safetensors', 'header length');
    const big = new Uint8Array(8 + 100_000_001);
    new DataView(big.buffer).setBigUint64(0, 100_000_001n, true);
    await expectError(open(big), 'bad-safetensors', 'exceeds the 100000000-byte limit');
  });

  it('says what a lookalike file really is (Git LFS pointer, zip, GGUF, HTML)', async () => {
    const text = (s: string) => new TextEncoder().encode(s);
    await expectError(open(text('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n')), 'bad-safetensors', 'Git LFS pointer');
    await expectError(open(new Uint8Array([0x50, 0x4b, 3, 4, 0xff, 0xff, 0, 0, 1, 2])), 'bad-safetensors', 'zip archive');
    await expectError(open(text('GGUF\u0003\u0000\u0000\u0000 and more')), 'bad-safetensors', 'GGUF');
    await expectError(open(text('<!DOCTYPE html><html>404</html>')), 'bad-safetensors', 'HTML page');
  });

  it('rejects a header that is not UTF-8, not JSON, or not an object', async () => {
    const notUtf8 = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0xc3, 0x28]);
    await expectError(open(notUtf8), 'bad-safetensors', 'not valid UTF-8');
    await expectError(open(buildFile('{"w": ')), 'bad-safetensors', 'not valid JSON');
    await expectError(open(buildFile('[1,2]')), 'bad-safetensors', 'not a JSON object');
    await expectError(open(buildFile('null')), 'bad-safetensors', 'not a JSON object');
  });

  it('rejects entries with missing or mistyped fields, naming the tensor', async () => {
    await expectError(open(buildFile(w(3))), 'bad-safetensors', 'tensor "w"', 'not an object');
    await expectError(open(buildFile(w({ shape: [1], data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'no "dtype" field');
    await expectError(open(buildFile(w({ dtype: 32, shape: [1], data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'number 32');
    await expectError(open(buildFile(w({ dtype: 'F32', data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'no "shape" field');
    await expectError(open(buildFile(w({ dtype: 'F32', shape: '1', data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'shape');
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [1] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'data_offsets missing');
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [1], data_offsets: [0] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'data_offsets [0]');
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [1], data_offsets: [0, '4'] }), new Uint8Array(4))), 'bad-safetensors', '"w"');
  });

  it('rejects negative, fractional or huge dimensions', async () => {
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'dimension -1');
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [1.5], data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', 'dimension 1.5');
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [2 ** 53], data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', '"w"');
    // Each dim fits but the product overflows: must be a size mismatch, never a wrap-around that matches.
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [2 ** 40, 2 ** 40, 1], data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'needs more than that');
  });

  it('rejects offsets out of range, reversed, or not matching shape x dtype', async () => {
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [2], data_offsets: [0, 8] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'past the end of the data (4 bytes)');
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [0], data_offsets: [4, 0] }), new Uint8Array(4))), 'bad-safetensors', '"w"', 'reversed');
    await expectError(open(buildFile(w({ dtype: 'F32', shape: [2], data_offsets: [0, 4] }), new Uint8Array(4))), 'bad-safetensors', '"w"', '4 bytes', 'needs 8 bytes');
  });

  it('rejects overlapping tensors naming both, gaps, and trailing bytes', async () => {
    const overlap = buildFile(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      new Uint8Array(12),
    );
    await expectError(open(overlap), 'bad-safetensors', '"b"', 'overlaps', '"a"');
    const gap = buildFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8));
    await expectError(open(gap), 'bad-safetensors', 'gap of 4 unused bytes', '"a"');
    const trailing = buildFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(7));
    await expectError(open(trailing), 'bad-safetensors', 'cover 4 bytes', '3 extra bytes');
  });

  it('rejects metadata that is not an object of strings', async () => {
    await expectError(open(buildFile({ __metadata__: { total: 3 } })), 'bad-safetensors', '__metadata__ entry "total"');
    await expectError(open(buildFile({ __metadata__: [1] })), 'bad-safetensors', '__metadata__');
  });

  it('keeps a "__proto__" tensor or metadata key as plain data', async () => {
    const file = buildFile('{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32Bytes([4]));
    const st = await open(file);
    expect(Object.keys(st.metadata)).toEqual(['__proto__']);
    expect(Array.from((await st.read('__proto__')).data)).toEqual([4]);
  });

  it('fails a read cleanly when the source returns fewer bytes than asked', async () => {
    const file = buildFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32Bytes([1, 2]));
    const real = byteSourceFromBytes('lying.safetensors', file);
    const st = await readSafetensorsHeader({ ...real, read: async (o, l) => (await real.read(o, l)).subarray(0, o > 8 ? 4 : l) });
    await expectError(st.read('w'), 'bad-safetensors', 'lying.safetensors', 'returned 4 bytes instead of 8');
  });
});
