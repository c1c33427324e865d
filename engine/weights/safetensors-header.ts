import { SafeTuneError } from '../errors';
import { isStDType, ST_DTYPE_BITS, type StDType } from './safetensors-dtypes';

/** Where one tensor lives in a safetensors file. */
export interface TensorInfo {
  name: string;
  /** As stored in the file. */
  dtype: StDType;
  shape: number[];
  /** Offset of the tensor's first byte from the start of the file (header included). */
  byteOffset: number;
  byteLength: number;
}

export interface ParsedHeader {
  /** In file order (ascending offsets). */
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
}

const DAMAGED_HINT = 'The file is damaged or was not written by a safetensors writer: download or export it again.';

/**
 * Validates a parsed safetensors header against the data region it describes, by the rules of the reference reader
 * (huggingface/safetensors): every entry well formed, byte counts matching shape x dtype, and the tensors tiling the
 * data region exactly: no overlap, no gap, and nothing after the last tensor. Extra trailing bytes are rejected
 * rather than tolerated: the reference rejects them too, so every file SafeTune accepts loads everywhere else, and a
 * size mismatch is the one sign left of a download that was concatenated or cut at the wrong place.
 *
 * @param dataStart absolute file offset of the data region (8 + header length).
 * @param dataLength bytes from dataStart to the end of the file.
 */
export function validateSafetensorsHeader(
  header: unknown,
  fileName: string,
  dataStart: number,
  dataLength: number,
): ParsedHeader {
  const fail: (message: string, hint?: string) => never = (message, hint = DAMAGED_HINT) => {
    throw new SafeTuneError('bad-safetensors', `${fileName}: ${message}`, hint);
  };
  if (!isPlainObject(header)) fail(`the header is ${describeJson(header)}, not a JSON object`);

  let metadata: Record<string, string> = {};
  const entries: { name: string; dtype: StDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(value, fail);
      continue;
    }
    const tensor = `tensor "${name}"`;
    if (!isPlainObject(value)) fail(`${tensor} is described by ${describeJson(value)}, not an object`);
    const entry = value as Record<string, unknown>;

    const dtype = entry['dtype'];
    if (typeof dtype !== 'string') fail(`${tensor} has ${fieldProblem(entry, 'dtype')} instead of a dtype string`);
    if (!isStDType(dtype as string)) {
      fail(
        `${tensor} has unknown dtype "${String(dtype)}"`,
        `Known dtypes are ${Object.keys(ST_DTYPE_BITS).join(', ')}. The file may come from a newer safetensors version or be damaged.`,
      );
    }

    const shape = entry['shape'];
    if (!Array.isArray(shape)) fail(`${tensor} has ${fieldProblem(entry, 'shape')} instead of a shape array`);
    for (const dim of shape as unknown[]) {
      if (!isCount(dim)) fail(`${tensor} has shape ${jsonText(shape)}: dimension ${jsonText(dim)} is not a whole number >= 0`);
    }

    const offsets = entry['data_offsets'];
    if (!Array.isArray(offsets) || offsets.length !== 2 || !isCount(offsets[0]) || !isCount(offsets[1])) {
      fail(`${tensor} has data_offsets ${fieldProblemOrValue(entry, 'data_offsets')} instead of [begin, end] byte offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${tensor} has reversed data_offsets [${begin}, ${end}]`);
    if (end > dataLength) {
      fail(
        `${tensor} has data_offsets [${begin}, ${end}] past the end of the data (${dataLength} bytes)`,
        'The file looks truncated (an interrupted download or copy): download it again.',
      );
    }
    const needed = byteSize(shape as number[], ST_DTYPE_BITS[dtype as StDType]);
    if (needed === 'misaligned') fail(`${tensor}: shape ${jsonText(shape)} of ${dtype as string} is not a whole number of bytes`);
    if (needed !== end - begin) {
      fail(
        `${tensor} has data_offsets [${begin}, ${end}] (${end - begin} bytes) but shape ${jsonText(shape)} of ` +
          `${dtype as string} needs ${needed === 'too-large' ? 'more than that' : `${needed} bytes`}`,
      );
    }
    entries.push({ name, dtype: dtype as StDType, shape: [...(shape as number[])], begin, end });
  }

  // The tensors must tile the data region: sorted by offsets, each begins where the previous one ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: string | undefined;
  for (const entry of entries) {
    if (entry.begin < covered) {
      fail(`tensor "${entry.name}" [${entry.begin}, ${entry.end}] overlaps tensor "${previous}" (which ends at ${covered})`);
    }
    if (entry.begin > covered) {
      fail(`there is a gap of ${entry.begin - covered} unused bytes before tensor "${entry.name}" at data offset ${covered}`);
    }
    covered = entry.end;
    previous = entry.name;
  }
  if (covered !== dataLength) {
    fail(
      `the tensors cover ${covered} bytes of data but the file has ${dataLength} (${dataLength - covered} extra bytes at the end)`,
      'The file is longer than its header says (two downloads concatenated, or a damaged file): download it again.',
    );
  }

  const tensors = new Map<string, TensorInfo>();
  for (const e of entries) {
    tensors.set(e.name, {
      name: e.name,
      dtype: e.dtype,
      shape: e.shape,
      byteOffset: dataStart + e.begin,
      byteLength: e.end - e.begin,
    });
  }
  return { tensors, metadata };
}

function checkMetadata(value: unknown, fail: (message: string) => never): Record<string, string> {
  if (value === null) return {}; // the reference reader accepts an explicit null
  if (!isPlainObject(value)) fail(`__metadata__ is ${describeJson(value)}, not an object of strings`);
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__ entry "${key}" is ${describeJson(v)}, not a string`);
    // defineProperty: a key named "__proto__" must stay a plain entry, not replace the prototype.
    Object.defineProperty(metadata, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

/**
 * Bytes a tensor of `shape` and `bits` per element occupies, computed without overflow: 'too-large' once it passes
 * 2^53 (no file is that big), 'misaligned' for sub-byte dtypes that do not end on a byte boundary.
 */
function byteSize(shape: number[], bits: number): number | 'too-large' | 'misaligned' {
  if (shape.some((d) => d === 0)) return 0;
  const maxElements = Number.MAX_SAFE_INTEGER / bits;
  let elements = 1;
  for (const d of shape) {
    elements *= d;
    if (elements > maxElements) return 'too-large';
  }
  const totalBits = elements * bits;
  return totalBits % 8 === 0 ? totalBits / 8 : 'misaligned';
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function fieldProblem(entry: Record<string, unknown>, field: string): string {
  return Object.prototype.hasOwnProperty.call(entry, field) ? describeJson(entry[field]) : `no "${field}" field`;
}

function fieldProblemOrValue(entry: Record<string, unknown>, field: string): string {
  return Object.prototype.hasOwnProperty.call(entry, field) ? jsonText(entry[field]) : `missing`;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array ${jsonText(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${jsonText(value)}`;
}

/** Short JSON for messages (a corrupted header can hold megabytes in one field). */
function jsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
