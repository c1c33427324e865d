import { SafeTuneError } from '../errors';
import type { ByteSource } from './byte-source';
import { isFloatStDType, type StDType } from './safetensors-dtypes';
import { validateSafetensorsHeader, type TensorInfo } from './safetensors-header';
import { decodeFloatTensor, type DecodeOptions } from './tensor-decode';

export type { StDType, FloatStDType } from './safetensors-dtypes';
export type { TensorInfo } from './safetensors-header';
export type { DecodeOptions } from './tensor-decode';

/** A tensor read into host memory as float32, whatever its stored dtype. */
export interface HostTensor {
  name: string;
  /** As stored in the file (F32, F16 or BF16). */
  dtype: StDType;
  shape: number[];
  /** Row-major, product(shape) elements. */
  data: Float32Array;
}

/** A safetensors file whose header has been read and validated; tensor data is read on demand. */
export interface SafetensorsFile {
  readonly source: ByteSource;
  /** In file order. */
  readonly tensors: Map<string, TensorInfo>;
  readonly metadata: Record<string, string>;
  /**
   * Reads one tensor as float32. Throws SafeTuneError for a missing name or a dtype that is not F32/F16/BF16 (and,
   * with `requireFinite`, for a NaN or infinite value).
   */
  read(name: string, options?: DecodeOptions): Promise<HostTensor>;
}

/** The reference reader's limit: a larger header is a damaged length field, not a real file. */
export const MAX_HEADER_BYTES = 100_000_000;

const LENGTH_PREFIX_BYTES = 8;
const headerDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads and validates the header of a safetensors file:
 *   8 bytes  little-endian u64 N (header length)
 *   N bytes  UTF-8 JSON {"<name>": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}
 *   rest     the data region; offsets are relative to its start
 * Only the 8 + N header bytes are read here. Any inconsistency throws SafeTuneError('bad-safetensors') naming the
 * file and, where there is one, the tensor.
 */
export async function readSafetensorsHeader(src: ByteSource): Promise<SafetensorsFile> {
  const fail = (message: string, hint: string): never => {
    throw new SafeTuneError('bad-safetensors', `${src.name}: ${message}`, hint);
  };
  if (src.size < LENGTH_PREFIX_BYTES) {
    fail(`the file is only ${src.size} bytes, too short for a safetensors header`, 'The file is empty or truncated: download it again.');
  }
  const prefix = await src.read(0, LENGTH_PREFIX_BYTES);
  const view = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low; // may be inexact past 2^53, but then it is far beyond both checks below

  if (headerLength > src.size - LENGTH_PREFIX_BYTES || headerLength > MAX_HEADER_BYTES) {
    // An impossible length: say what the file is instead, when its first bytes give that away.
    const other = recogniseOtherFormat(prefix);
    if (other !== undefined) fail(other.message, other.hint);
  }
  if (headerLength > src.size - LENGTH_PREFIX_BYTES) {
    fail(
      `the first 8 bytes give a header length of ${headerLength} bytes but the file is only ${src.size} bytes`,
      'This is not a safetensors file, or it is truncated: download it again.',
    );
  }
  if (headerLength > MAX_HEADER_BYTES) {
    fail(`the header length ${headerLength} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`, 'The file is damaged: download it again.');
  }

  const headerBytes = await src.read(LENGTH_PREFIX_BYTES, headerLength);
  let headerText = '';
  try {
    headerText = headerDecoder.decode(headerBytes);
  } catch {
    fail('the header is not valid UTF-8', 'The file is damaged: download it again.');
  }
  let json: unknown;
  try {
    json = JSON.parse(headerText);
  } catch (e) {
    fail(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`, 'The file is damaged: download it again.');
  }

  const dataStart = LENGTH_PREFIX_BYTES + headerLength;
  const { tensors, metadata } = validateSafetensorsHeader(json, src.name, dataStart, src.size - dataStart);

  return {
    source: src,
    tensors,
    metadata,
    read: (name, options) => readTensor(src, tensors, name, options),
  };
}

async function readTensor(src: ByteSource, tensors: Map<string, TensorInfo>, name: string, options: DecodeOptions = {}): Promise<HostTensor> {
  const info = tensors.get(name);
  if (info === undefined) {
    throw new SafeTuneError('missing-tensor', `${src.name} has no tensor "${name}"`, `Check the name: the file holds ${tensors.size} tensors.`);
  }
  if (!isFloatStDType(info.dtype)) {
    throw new SafeTuneError(
      'bad-safetensors',
      `unsupported dtype ${info.dtype} for tensor "${name}" in file ${src.name}`,
      'SafeTune trains from float weights (F32, F16 or BF16). Quantized or integer checkpoints cannot be used: ' +
        'pick the original, unquantized version of the model.',
    );
  }
  const bytes = await src.read(info.byteOffset, info.byteLength);
  if (bytes.length !== info.byteLength) {
    throw new SafeTuneError(
      'bad-safetensors',
      `${src.name}: reading tensor "${name}" returned ${bytes.length} bytes instead of ${info.byteLength}`,
      'The file changed or was cut short while it was being read: load it again.',
    );
  }
  return { name, dtype: info.dtype, shape: [...info.shape], data: decodeFloatTensor(info.dtype, bytes, `tensor "${name}" in ${src.name}`, options) };
}

/** Files people mistake for safetensors, told apart by their first bytes, with what to do instead. */
function recogniseOtherFormat(prefix: Uint8Array): { message: string; hint: string } | undefined {
  const start = String.fromCharCode(...prefix);
  if (start.startsWith('version ')) {
    return {
      message: 'this is a Git LFS pointer file, not the weights themselves',
      hint: 'The repository was cloned without Git LFS: run `git lfs pull` in it (or download the file from the hub).',
    };
  }
  if (start.startsWith('PK\u0003\u0004')) {
    return {
      message: 'this is a zip archive (a PyTorch .bin / .pt checkpoint), not safetensors',
      hint: 'SafeTune reads only safetensors: pick a repo that has model.safetensors, or convert the checkpoint.',
    };
  }
  if (start.startsWith('GGUF')) {
    return {
      message: 'this is a GGUF (llama.cpp) file, not safetensors',
      hint: 'GGUF files are quantized for inference: pick the original Hugging Face repo of the model instead.',
    };
  }
  if (/^\s*<(!doc|html)/i.test(start)) {
    return {
      message: 'this is an HTML page, not safetensors',
      hint: 'An error or login page was saved instead of the file: check the address and download it again.',
    };
  }
  return undefined;
}
