/**
 * The slow, obvious twin of engine/weights/safetensors.ts, written straight from the format description and the
 * reference reader's rules, sharing no code with the engine: a DataView per element, doubles for the 16-bit formats.
 * Property tests hold the engine's reader to it.
 */

const BITS: Record<string, number> = {
  BOOL: 8, F4: 4, F6_E2M3: 6, F6_E3M2: 6, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8, I16: 16, U16: 16,
  F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32, C64: 64, F64: 64, I64: 64, U64: 64,
};

export interface ReferenceTensor {
  dtype: string;
  shape: number[];
  /** Decoded values for F32 / F16 / BF16; undefined for other dtypes. */
  values: number[] | undefined;
}

/** The tensors of a safetensors file, or 'invalid' when the reference reader would reject it. */
export function referenceRead(file: Uint8Array): Map<string, ReferenceTensor> | 'invalid' {
  if (file.length < 8) return 'invalid';
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > 100_000_000 || 8 + n > file.length) return 'invalid';
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'invalid';
  const dataStart = 8 + n;
  const dataLength = file.length - dataStart;

  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) return 'invalid';
      if (!Object.values(value as object).every((v) => typeof v === 'string')) return 'invalid';
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'invalid';
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in BITS) || !Object.prototype.hasOwnProperty.call(BITS, dtype)) return 'invalid';
    if (!Array.isArray(shape) || !shape.every(isCount)) return 'invalid';
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) return 'invalid';
    const [begin, end] = offsets as number[];
    if (end! < begin! || end! > dataLength) return 'invalid';
    // BigInt: exact however large the shape.
    const bits = (shape as number[]).reduce((acc, d) => acc * BigInt(d), 1n) * BigInt(BITS[dtype]!);
    if (bits % 8n !== 0n || bits / 8n !== BigInt(end! - begin!)) return 'invalid';
    entries.push({ name, dtype, shape: shape as number[], begin: begin!, end: end! });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin !== at) return 'invalid';
    at = e.end;
  }
  if (at !== dataLength) return 'invalid';

  const out = new Map<string, ReferenceTensor>();
  for (const e of entries) {
    const start = dataStart + e.begin;
    const count = (e.end - e.begin) / Math.max(1, BITS[e.dtype]! / 8);
    let values: number[] | undefined;
    if (e.dtype === 'F32') values = Array.from({ length: count }, (_, i) => view.getFloat32(start + 4 * i, true));
    if (e.dtype === 'F16') values = Array.from({ length: count }, (_, i) => halfToNumber(view.getUint16(start + 2 * i, true)));
    if (e.dtype === 'BF16') values = Array.from({ length: count }, (_, i) => bfloatToNumber(view.getUint16(start + 2 * i, true)));
    out.set(e.name, { dtype: e.dtype, shape: e.shape, values });
  }
  return out;
}

/** IEEE half from its definition: (-1)^s * 2^(e-15) * 1.m, subnormals m * 2^-24. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** -24;
  return sign * 2 ** (e - 15) * (1 + m / 1024);
}

/** bfloat16 from its definition: (-1)^s * 2^(e-127) * 1.m (7-bit m), subnormals m * 2^-133. */
export function bfloatToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 7) & 0xff;
  const m = h & 0x7f;
  if (e === 0xff) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** -133;
  return sign * 2 ** (e - 127) * (1 + m / 128);
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A safetensors file from a header (object, or raw text) and data bytes, for crafting broken files by hand. */
export function buildFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerLengthOverride?: bigint): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian f32 bytes of `values`. */
export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}
