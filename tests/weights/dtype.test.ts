import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bf16BitsToF32,
  bf16ToF32Array,
  f16BitsToF32,
  f16ToF32Array,
  f32Bits,
  f32FromBits,
  f32ToBf16Array,
  f32ToBf16Bits,
  f32ToF16Array,
  f32ToF16Bits,
} from '../../engine/weights/dtype';
import { bfloatToNumber, halfToNumber } from './helpers/reference-safetensors';

/**
 * Independent oracle for narrowing: every non-negative finite value of the 16-bit format, sorted, plus the value the
 * next pattern would have (where IEEE rounding switches to Infinity). Round-to-nearest-even is then a binary search.
 */
function nearestEvenOracle(decode: (h: number) => number, maxFinite: number, firstInf: number, nextAfterMax: number) {
  const values: { bits: number; value: number }[] = [];
  for (let h = 0; h <= maxFinite; h++) values.push({ bits: h, value: decode(h) });
  values.push({ bits: firstInf, value: nextAfterMax });
  return (x: number): number => {
    if (Number.isNaN(x)) return -1;
    const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
    const a = Math.abs(x);
    if (a === Infinity) return sign | firstInf;
    let lo = 0;
    let hi = values.length - 1;
    if (a >= values[hi]!.value) return sign | firstInf;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (values[mid]!.value <= a) lo = mid;
      else hi = mid;
    }
    const below = values[lo]!;
    const above = values[hi]!;
    const dBelow = a - below.value;
    const dAbove = above.value - a;
    if (dBelow < dAbove) return sign | below.bits;
    if (dAbove < dBelow) return sign | above.bits;
    return sign | ((below.bits & 1) === 0 ? below.bits : above.bits);
  };
}

const f16Oracle = nearestEvenOracle(halfToNumber, 0x7bff, 0x7c00, 65536);
const bf16Oracle = nearestEvenOracle(bfloatToNumber, 0x7f7f, 0x7f80, 2 ** 128);

/** Any f32, drawn by bit pattern so subnormals, huge values, infinities and NaNs all show up. */
const anyF32 = fc.integer({ min: 0, max: 0xffffffff }).map(f32FromBits);

describe('f16 <-> f32', () => {
  it('widens every f16 pattern to the value the IEEE definition gives', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const expected = halfToNumber(h);
      const got = f16BitsToF32(h);
      const ok = Number.isNaN(expected) ? Number.isNaN(got) : got === expected && Object.is(got, -0) === ((h & 0x8000) !== 0 && expected === 0);
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('narrows every f16 value back to its own bits, and NaN patterns to NaN', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const back = f32ToF16Bits(f16BitsToF32(h));
      const isNaNPattern = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      const ok = isNaNPattern ? (back & 0x7c00) === 0x7c00 && (back & 0x3ff) !== 0 : back === h;
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds any f32 to the nearest f16, ties to even (oracle: binary search over all f16 values)', () => {
    fc.assert(
      fc.property(anyF32, (x) => {
        const got = f32ToF16Bits(x);
        if (Number.isNaN(x)) return Number.isNaN(f16BitsToF32(got));
        return got === f16Oracle(x);
      }),
      { numRuns: 20_000 },
    );
  });

  it('handles the edges: overflow threshold, smallest subnormal, ties', () => {
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65519)).toBe(0x7bff); // below the midpoint 65520
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // the midpoint rounds to even = Infinity
    expect(f32ToF16Bits(-1e9)).toBe(0xfc00);
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001);
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal: even is 0
    expect(f32ToF16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, 1.0 is even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, rounds up to even
    expect(f32ToF16Bits(-0)).toBe(0x8000);
  });
});

describe('bf16 <-> f32', () => {
  it('widens every bf16 pattern exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const expected = bfloatToNumber(h);
      const got = bf16BitsToF32(h);
      if (!(Number.isNaN(expected) ? Number.isNaN(got) : got === expected)) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds any f32 to the nearest bf16, ties to even; NaN stays NaN', () => {
    fc.assert(
      fc.property(anyF32, (x) => {
        const got = f32ToBf16Bits(x);
        if (Number.isNaN(x)) return Number.isNaN(bf16BitsToF32(got)) && (got & 0x8000) === (f32Bits(x) >>> 16 & 0x8000);
        return got === bf16Oracle(x);
      }),
      { numRuns: 20_000 },
    );
  });

  it('keeps a NaN whose payload sits only in the low 16 bits a NaN (plain truncation would make it Infinity)', () => {
    const nan = f32FromBits(0x7f800001);
    expect(Number.isNaN(nan)).toBe(true);
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(nan)))).toBe(true);
  });

  it('handles ties and overflow', () => {
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie, 1.0 even
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie, up to even
    expect(f32ToBf16Bits(f32FromBits(0x7f7fffff))).toBe(0x7f80); // max f32 rounds to Infinity
  });
});

describe('array conversions', () => {
  it('match the scalar functions element by element', () => {
    fc.assert(
      fc.property(fc.array(anyF32, { maxLength: 64 }), (values) => {
        const src = new Float32Array(values);
        const bf = f32ToBf16Array(src);
        const half = f32ToF16Array(src);
        const bfBack = bf16ToF32Array(bf);
        const halfBack = f16ToF32Array(half);
        const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
        return Array.from(src).every((x, i) => {
          // Reading a NaN out of a typed array may canonicalise its payload: for NaN, only NaN-ness is comparable.
          if (Number.isNaN(x)) return Number.isNaN(bfBack[i]!) && Number.isNaN(halfBack[i]!);
          return (
            bf[i] === f32ToBf16Bits(x) &&
            half[i] === f32ToF16Bits(x) &&
            same(bfBack[i]!, bf16BitsToF32(bf[i]!)) &&
            same(halfBack[i]!, f16BitsToF32(half[i]!))
          );
        });
      }),
      { numRuns: 2_000 },
    );
  });

  it('read a Float32Array that is a view at an offset', () => {
    const backing = new Float32Array([9, 1.5, -2.25, 9]);
    const view = backing.subarray(1, 3);
    expect(Array.from(f32ToBf16Array(view))).toEqual([f32ToBf16Bits(1.5), f32ToBf16Bits(-2.25)]);
    expect(Array.from(f32ToF16Array(view))).toEqual([f32ToF16Bits(1.5), f32ToF16Bits(-2.25)]);
  });
});
