import { SafeTuneError } from '../../errors';

/**
 * A dataset file's content as the app (a dropped File is a Blob, or its ArrayBuffer transferred to the worker) or the
 * CLI (a Node Buffer is a Uint8Array) has it: every source takes the same path from here on.
 */
export type DatasetBytes = ArrayBuffer | Uint8Array | Blob;

/** A dataset file: its content and its name (the name picks the parser and appears in every message). */
export interface DatasetFile {
  bytes: DatasetBytes;
  fileName: string;
}

export async function readDatasetBytes(bytes: DatasetBytes): Promise<Uint8Array> {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return new Uint8Array(await bytes.arrayBuffer());
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * The file as text. UTF-8 (a BOM, as Excel and Notepad write, is dropped); UTF-16 with a BOM (Excel's "Unicode text")
 * is decoded too. Broken UTF-8 fails, naming the line, rather than turning into U+FFFD inside training data.
 */
export function decodeDatasetText(bytes: Uint8Array, fileName: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16(bytes, 'utf-16le', fileName);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16(bytes, 'utf-16be', fileName);
  const start = UTF8_BOM.every((b, i) => bytes[i] === b) ? 3 : 0;
  const body = bytes.subarray(start);
  const utf16 = start === 0 ? bomlessUtf16(body) : undefined;
  if (utf16 !== undefined) {
    // NUL bytes are valid UTF-8, so such a file would decode "fine" and fail later as "not valid JSON".
    throw new SafeTuneError(
      'bad-dataset',
      `${fileName} looks like ${utf16.toUpperCase()} text without a byte-order mark (every other byte is zero), not UTF-8.`,
      'Save the file as UTF-8 (in most editors: "Save as" → encoding UTF-8), or as UTF-16 with a byte-order mark.',
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    const offset = firstInvalidUtf8(body);
    const line = countNewlines(body, offset) + 1;
    throw new SafeTuneError(
      'bad-dataset',
      `${fileName} is not valid UTF-8 text: line ${line} holds a byte sequence that is not UTF-8 (byte ${offset + start}).`,
      'Save the file as UTF-8 (most editors and spreadsheet programs offer "UTF-8" when saving as CSV or text).',
    );
  }
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be', fileName: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new SafeTuneError(
      'bad-dataset',
      `${fileName} starts like ${encoding.toUpperCase()} text (byte-order mark) but cannot be decoded as such.`,
      'Save the file as UTF-8 text.',
    );
  }
}

/**
 * UTF-16 without a BOM: text of mostly ASCII characters has a zero byte in every other place (the high byte). Checked
 * on the first 4 KiB; real UTF-8 text has no zero bytes at all.
 */
function bomlessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const sample = bytes.subarray(0, 4096);
  if (sample.length < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) (i % 2 === 0 ? evenZeros++ : oddZeros++);
  const half = sample.length / 2;
  if (oddZeros > 0.4 * half && evenZeros < 0.05 * half) return 'utf-16le';
  if (evenZeros > 0.4 * half && oddZeros < 0.05 * half) return 'utf-16be';
  return undefined;
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const rule = sequenceRule(bytes[i]!);
    if (rule === undefined) return i;
    for (let k = 1; k < rule.length; k++) {
      const c = bytes[i + k];
      // Only the second byte has a narrowed range; the later ones are plain continuation bytes 80..BF.
      const [lo, hi] = k === 1 ? [rule.secondMin, rule.secondMax] : [0x80, 0xbf];
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += rule.length;
  }
  return bytes.length;
}

interface SequenceRule {
  length: number;
  secondMin: number;
  secondMax: number;
}

/**
 * The sequence a lead byte starts (RFC 3629 table 3-7): the narrowed second-byte ranges exclude overlong forms,
 * UTF-16 surrogates (after ED) and code points past U+10FFFF (after F4). Undefined: not a lead byte.
 */
function sequenceRule(b: number): SequenceRule | undefined {
  if (b < 0x80) return { length: 1, secondMin: 0, secondMax: 0 };
  if (b >= 0xc2 && b <= 0xdf) return { length: 2, secondMin: 0x80, secondMax: 0xbf };
  if (b === 0xe0) return { length: 3, secondMin: 0xa0, secondMax: 0xbf };
  if (b === 0xed) return { length: 3, secondMin: 0x80, secondMax: 0x9f };
  if (b >= 0xe1 && b <= 0xef) return { length: 3, secondMin: 0x80, secondMax: 0xbf };
  if (b === 0xf0) return { length: 4, secondMin: 0x90, secondMax: 0xbf };
  if (b >= 0xf1 && b <= 0xf3) return { length: 4, secondMin: 0x80, secondMax: 0xbf };
  if (b === 0xf4) return { length: 4, secondMin: 0x80, secondMax: 0x8f };
  return undefined;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}
