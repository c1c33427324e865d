/**
 * Every dtype the safetensors format knows (huggingface/safetensors `Dtype`), with its width in bits. Only the float
 * ones SafeTune trains from (F32, F16, BF16) can be read as weights; the others are recognised so a quantized or
 * integer checkpoint gets a clear "unsupported dtype" error instead of "unknown".
 */
export const ST_DTYPE_BITS = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
} as const;

export type StDType = keyof typeof ST_DTYPE_BITS;

/** The dtypes SafeTune reads into Float32Array and can write. */
export type FloatStDType = 'F32' | 'F16' | 'BF16';

export function isStDType(value: string): value is StDType {
  return Object.prototype.hasOwnProperty.call(ST_DTYPE_BITS, value);
}

export function isFloatStDType(value: string): value is FloatStDType {
  return value === 'F32' || value === 'F16' || value === 'BF16';
}

/** Bytes per element of a float dtype (the writer's alignment unit). */
export function floatDTypeBytes(dtype: FloatStDType): 2 | 4 {
  return dtype === 'F32' ? 4 : 2;
}
