/** A tensor's entry in a safetensors header. */
export interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Reads a safetensors file's header independently of the app's own reader: 8 bytes little-endian header length, then
 * that many bytes of JSON mapping tensor names to dtype / shape / byte offsets (plus an optional __metadata__).
 * Also checks that every tensor's bytes lie inside the file and match its shape and dtype.
 */
export function readSafetensorsHeader(file: Buffer): Map<string, TensorEntry> {
  if (file.length < 8) throw new Error(`safetensors file of ${file.length} bytes has no header`);
  const headerLength = Number(file.readBigUInt64LE(0));
  if (8 + headerLength > file.length) throw new Error(`header length ${headerLength} runs past the file (${file.length} bytes)`);
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  const dataBytes = file.length - 8 - headerLength;
  const bytesPer: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4 };
  const tensors = new Map<string, TensorEntry>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = value as TensorEntry;
    const [begin, end] = entry.data_offsets;
    const elements = entry.shape.reduce((a, b) => a * b, 1);
    const size = bytesPer[entry.dtype];
    if (size === undefined) throw new Error(`${name}: unexpected dtype ${entry.dtype}`);
    if (!(begin >= 0 && end <= dataBytes && end - begin === elements * size)) {
      throw new Error(`${name}: offsets [${begin}, ${end}] do not hold ${elements} × ${entry.dtype} inside ${dataBytes} data bytes`);
    }
    tensors.set(name, entry);
  }
  return tensors;
}
