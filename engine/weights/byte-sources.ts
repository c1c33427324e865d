import { SafeTuneError } from '../errors';
import { ByteAccumulator } from './byte-accumulator';
import type { ByteSource } from './byte-source';

/** Rejects a read outside [0, size): a reader that asks for one has a bug, and the message says which file. */
export function checkReadRange(name: string, size: number, offset: number, length: number): void {
  const valid =
    Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size;
  if (!valid) {
    throw new SafeTuneError(
      'bad-argument',
      `read of bytes [${offset}, ${offset + length}) is outside ${name} (${size} bytes)`,
      'The file is shorter than its header says: it may be truncated. Download or copy it again.',
    );
  }
}

/**
 * A file already in memory. `read` returns views into `bytes` (no copy): callers must not write to them, and the
 * safetensors reader never does (it copies into the tensor it returns).
 */
export function byteSourceFromBytes(name: string, bytes: ArrayBuffer | Uint8Array): ByteSource {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: view.length,
    async read(offset, length) {
      checkReadRange(name, view.length, offset, length);
      return view.subarray(offset, offset + length);
    },
  };
}

/**
 * A Blob or File (a picked or dropped file). Each read slices the blob, so a 1 GB File is never loaded whole: the
 * browser reads just that range from disk.
 */
export function byteSourceFromBlob(name: string, blob: Blob): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkReadRange(name, blob.size, offset, length);
      let buffer: ArrayBuffer;
      try {
        buffer = await blob.slice(offset, offset + length).arrayBuffer();
      } catch (e) {
        // Browsers fail a read (NotReadableError) when the file changed on disk after it was picked.
        throw new SafeTuneError(
          'missing-file',
          `could not read ${name}: ${describeCause(e)}`,
          'The file may have been moved or changed since it was picked: pick the folder again.',
        );
      }
      return new Uint8Array(buffer);
    },
  };
}

/**
 * The whole body of a fetch Response, read once into memory. When Content-Length is known the body streams into one
 * preallocated buffer (the file is never held twice); otherwise the chunks are collected and joined once.
 *
 * @param onProgress called after every chunk with the bytes so far and the announced size (if any).
 */
export async function byteSourceFromResponse(
  name: string,
  response: Response,
  onProgress?: (loadedBytes: number, totalBytes: number | undefined) => void,
): Promise<ByteSource> {
  if (!response.ok) {
    await response.body?.cancel();
    throw new SafeTuneError(
      'network',
      `could not load ${name}: the server answered HTTP ${response.status} for ${response.url || name}`,
      'Check the address and that the server is reachable, then try again.',
    );
  }
  const total = announcedLength(response);
  const accumulator = new ByteAccumulator(name, total);
  try {
    await streamInto(response, accumulator, (loaded) => onProgress?.(loaded, total));
  } catch (e) {
    throw new SafeTuneError(
      'network',
      `the download of ${name} broke off after ${accumulator.length} bytes: ${describeCause(e)}`,
      'Check the connection and try again.',
    );
  }
  return byteSourceFromBytes(name, accumulator.bytes());
}

/**
 * The body size a response announces, or undefined when there is none or it cannot be trusted: with a
 * Content-Encoding the length is that of the compressed bytes. (Browsers hide Content-Encoding from cross-origin
 * scripts; ByteAccumulator copes with a body longer than announced anyway.)
 */
export function announcedLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return undefined;
  const header = response.headers.get('content-length');
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  const length = Number(header.trim());
  return Number.isSafeInteger(length) ? length : undefined;
}

/** Pumps the response body into `accumulator`; rejects with the stream's own error when the connection breaks. */
export async function streamInto(
  response: Response,
  accumulator: ByteAccumulator,
  onChunk: (loadedBytes: number) => void,
): Promise<void> {
  if (response.body === null) return;
  // A reader loop rather than `for await`: Safari's ReadableStream is not async-iterable.
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      accumulator.append(value);
      onChunk(accumulator.length);
    }
  } finally {
    reader.releaseLock();
  }
}

/** The message of whatever a fetch or stream threw (Node puts the useful part in `cause`). */
export function describeCause(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? ` (${cause.message})` : '';
    return `${e.message}${causeText}`;
  }
  return String(e);
}
