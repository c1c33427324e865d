import { SafeTuneError } from '../errors';
import { bf16ToF32Array, f16ToF32Array } from './dtype';
import type { FloatStDType } from './safetensors-dtypes';

// safetensors stores little-endian data and typed arrays use the host's byte order; every browser and Node platform
// SafeTune targets is little-endian, and this guard turns the exotic case into an error instead of garbage weights.
const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface DecodeOptions {
  /**
   * Throw SafeTuneError('bad-safetensors') naming the tensor and the first index holding NaN or ±Infinity. A scan of
   * the decoded values: about a tenth of the decode's own cost (which allocating and filling the output dominates).
   */
  requireFinite?: boolean;
}

/**
 * Raw little-endian tensor bytes -> a fresh Float32Array (never a view of `bytes`, so the caller owns the result and the
 * file buffer can be dropped). 16-bit data is read through a Uint16Array view; when `bytes` starts at an odd offset
 * that view is impossible, so the bytes are first copied into an aligned buffer.
 *
 * @param what `tensor "<name>" in <file>`, for messages.
 */
export function decodeFloatTensor(dtype: FloatStDType, bytes: Uint8Array, what: string, options: DecodeOptions = {}): Float32Array {
  if (!hostIsLittleEndian) {
    throw new SafeTuneError('bad-safetensors', `cannot decode ${what}: this platform is big-endian`, 'Use a little-endian machine.');
  }
  const out = decodeToF32(dtype, bytes);
  if (options.requireFinite === true) rejectNonFinite(out, what);
  return out;
}

function decodeToF32(dtype: FloatStDType, bytes: Uint8Array): Float32Array {
  if (dtype === 'F32') {
    const out = new Float32Array(bytes.length / 4);
    new Uint8Array(out.buffer).set(bytes); // one memcpy, whatever the alignment of `bytes`
    return out;
  }
  const halves = alignedUint16(bytes);
  return dtype === 'BF16' ? bf16ToF32Array(halves) : f16ToF32Array(halves);
}

/** A NaN or infinite weight makes every logit NaN downstream, far from its cause: name the tensor and the index. */
function rejectNonFinite(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v === 0) continue; // finite; NaN - NaN and Inf - Inf are NaN
    throw new SafeTuneError(
      'bad-safetensors',
      `${what} holds ${v} at index ${i}`,
      'The weights are damaged or were saved from a training run that diverged: download the model again, or use an earlier checkpoint.',
    );
  }
}

function alignedUint16(bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  return new Uint16Array(bytes.slice().buffer); // slice() copies into a fresh, aligned ArrayBuffer
}
