/**
 * Bit-exact conversions between float32 and the two 16-bit float formats checkpoints use:
 *   bf16 = the top 16 bits of an f32 (1 sign, 8 exponent, 7 mantissa bits);
 *   f16  = IEEE half (1 sign, 5 exponent, 10 mantissa bits; subnormals below 2^-14).
 * Widening (16 -> 32) is exact. Narrowing (32 -> 16) rounds to nearest, ties to even, like torch's `.to(bfloat16)`;
 * NaN stays NaN (a quiet NaN keeping the sign), overflow goes to ±Infinity. The scalar functions take f32 values:
 * a JS number is first rounded to f32, as it would be when stored in a Float32Array.
 *
 * The array versions work on bit patterns through Uint16Array / Uint32Array views, so a million-element tensor costs
 * one typed-array loop and no per-element objects.
 */

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The IEEE bits of `x` rounded to f32. */
export function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0]!;
}

/** The f32 whose IEEE bits are `bits`. */
export function f32FromBits(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0]!;
}

// ---- bf16 ----------------------------------------------------------------------------------------------------------

/** bf16 bits -> f32 bits: the bf16 pattern is the high half of the f32 one. */
function bf16ToF32BitPattern(h: number): number {
  return (h << 16) >>> 0;
}

/** f32 bits -> bf16 bits, rounding to nearest even; NaN keeps its sign and stays NaN. */
function f32BitPatternToBf16(u: number): number {
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x007fffff) !== 0) {
    // Truncating could clear every mantissa bit left and turn the NaN into an infinity: force the quiet bit.
    return (u >>> 16) | 0x0040;
  }
  // Adding 0x7fff plus the lowest kept bit rounds to nearest, ties to even; a carry into the exponent is the correct
  // rounding up (to the next binade, or to infinity from the largest finite values).
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bf16BitsToF32(h: number): number {
  return f32FromBits(bf16ToF32BitPattern(h & 0xffff));
}

export function f32ToBf16Bits(x: number): number {
  return f32BitPatternToBf16(f32Bits(x));
}

export function bf16ToF32Array(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) outBits[i] = src[i]! << 16; // ToUint32 on store makes the shift unsigned
  return out;
}

export function f32ToBf16Array(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitPatternToBf16(bits[i]!);
  return out;
}

// ---- f16 -----------------------------------------------------------------------------------------------------------

function f16ToF32BitPattern(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  let mantissa = h & 0x03ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // Inf, or NaN keeping its payload
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0; // rebias 15 -> 127
  if (mantissa === 0) return sign >>> 0; // ±0
  // Subnormal: mantissa * 2^-24. Shift the leading one up to the implicit-bit position to make it a normal f32.
  let shift = 0;
  while ((mantissa & 0x0400) === 0) {
    mantissa <<= 1;
    shift++;
  }
  return (sign | ((113 - shift) << 23) | ((mantissa & 0x03ff) << 13)) >>> 0;
}

function f32BitPatternToF16(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exponent = (u >>> 23) & 0xff;
  const mantissa = u & 0x007fffff;
  if (exponent === 0xff) {
    if (mantissa === 0) return sign | 0x7c00;
    return sign | 0x7e00 | (mantissa >>> 13); // quiet NaN, keeping the top payload bits
  }
  const halfExponent = exponent - 112; // rebias 127 -> 15
  if (halfExponent >= 0x1f) return sign | 0x7c00; // too large even before rounding: ±Infinity
  if (halfExponent <= 0) {
    // Subnormal f16 (or zero). Below 2^-25 everything rounds to zero; 2^-25 itself is a tie and goes to even (0).
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x00800000; // with the implicit one
    const shift = 14 - halfExponent; // 14..24
    return sign | roundShiftRight(full, shift);
  }
  // Normal: drop 13 mantissa bits with round-to-nearest-even; a carry may step into the exponent, up to Infinity.
  return sign | roundShiftRight((halfExponent << 23) | mantissa, 13);
}

/** value >> shift, rounded to nearest with ties to even (shift in 1..24, value < 2^31). */
function roundShiftRight(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

let f16Table: Uint32Array | undefined;

/** All 65536 f16 patterns widened to f32 bits (256 KB, built on first use): decoding becomes one lookup each. */
function f16ToF32Table(): Uint32Array {
  if (f16Table === undefined) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32BitPattern(h);
  }
  return f16Table;
}

export function f16BitsToF32(h: number): number {
  return f32FromBits(f16ToF32BitPattern(h & 0xffff));
}

export function f32ToF16Bits(x: number): number {
  return f32BitPatternToF16(f32Bits(x));
}

export function f16ToF32Array(src: Uint16Array): Float32Array {
  const table = f16ToF32Table();
  const out = new Float32Array(src.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) outBits[i] = table[src[i]!]!;
  return out;
}

export function f32ToF16Array(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitPatternToF16(bits[i]!);
  return out;
}
