/**
 * Random access to the bytes of one file, wherever they live (an ArrayBuffer, a Blob / File, a fetch Response, a file
 * on disk in Node). Readers pull only the ranges they need, so a 1 GB checkpoint never has to be copied whole.
 */
export interface ByteSource {
  /** The file's name as the user knows it (used in every error message). */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes [offset, offset + length). Rejects if the range is outside the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}
