import { SafeTuneError } from '../errors';

/**
 * Collects a download's chunks into one buffer. With the size known up front (Content-Length) it writes into a single
 * preallocated buffer, so a 500 MB shard is never held twice; without it, it keeps the chunks and joins them once at
 * the end, letting each chunk go as soon as it is copied.
 */
export class ByteAccumulator {
  private buffer: Uint8Array | undefined;
  private chunks: Uint8Array[] = [];
  private filled = 0;

  /**
   * @param fileLabel names the file in the error when it is too big to hold in memory.
   * @param expectedBytes the size announced by the server, if any. It is only a hint: a compressed response announces
   *   its compressed size, so more bytes than announced simply switch to collecting chunks.
   */
  constructor(
    private readonly fileLabel: string,
    expectedBytes?: number,
  ) {
    if (expectedBytes !== undefined && expectedBytes > 0) this.buffer = allocate(expectedBytes, fileLabel);
  }

  get length(): number {
    return this.filled;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.buffer !== undefined) {
      if (this.filled + chunk.length <= this.buffer.length) {
        this.buffer.set(chunk, this.filled);
        this.filled += chunk.length;
        return;
      }
      // More than announced (a compressed body): keep what we have as the first chunk and go on collecting.
      this.chunks.push(this.buffer.subarray(0, this.filled));
      this.buffer = undefined;
    }
    // Copy: a stream reader may reuse or transfer the chunk's buffer after we return.
    this.chunks.push(chunk.slice());
    this.filled += chunk.length;
  }

  /** The bytes so far, in one contiguous array (a view of the preallocated buffer when there is one). */
  bytes(): Uint8Array {
    if (this.buffer !== undefined) return this.buffer.subarray(0, this.filled);
    const joined = allocate(this.filled, this.fileLabel);
    let at = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      joined.set(chunk, at);
      at += chunk.length;
    }
    this.chunks = [];
    this.buffer = joined;
    return joined.subarray(0, this.filled);
  }
}

function allocate(size: number, fileLabel: string): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch {
    throw new SafeTuneError(
      'bad-argument',
      `${fileLabel} is ${size} bytes, more than this runtime can hold in memory`,
      'Pick a smaller model, or close other tabs and try again.',
    );
  }
}
