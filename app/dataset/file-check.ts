/**
 * A dropped file's type, checked on the page before the worker parses it. The worker reads JSON Lines, JSON, CSV / TSV
 * and Parquet (and .txt as plain text, a line per example); anything else would be parsed as CSV and fail with an
 * error about columns. Binary formats people drop by mistake are named from their first bytes.
 */
export interface FileProblem {
  message: string;
  hint: string;
}

export const DATASET_EXTENSIONS = ['jsonl', 'ndjson', 'json', 'csv', 'tsv', 'parquet', 'pq', 'txt'] as const;

const WHAT_TO_USE = 'Use a JSON Lines, JSON, CSV, Parquet or plain-text (.txt, one example a line) file.';

/** First bytes of file types that are never datasets. */
const SIGNATURES: readonly { name: string; bytes: readonly number[] }[] = [
  { name: 'a PNG image', bytes: [0x89, 0x50, 0x4e, 0x47] },
  { name: 'a JPEG image', bytes: [0xff, 0xd8, 0xff] },
  { name: 'a GIF image', bytes: [0x47, 0x49, 0x46, 0x38] },
  { name: 'a PDF document', bytes: [0x25, 0x50, 0x44, 0x46] },
  { name: 'a ZIP archive (or an Office document)', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'a gzip archive', bytes: [0x1f, 0x8b] },
  { name: 'a WebP or WAV file', bytes: [0x52, 0x49, 0x46, 0x46] },
];

/** The problem with `file` as a dataset, or undefined when it may be one (the worker then checks every row). */
export function datasetFileProblem(fileName: string, head: Uint8Array): FileProblem | undefined {
  const signature = SIGNATURES.find((s) => s.bytes.every((b, i) => head[i] === b));
  if (signature !== undefined) return { message: `${fileName} is ${signature.name}, not a dataset.`, hint: WHAT_TO_USE };
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (extension !== undefined && !(DATASET_EXTENSIONS as readonly string[]).includes(extension)) {
    return { message: `${fileName}: SafeTune does not read .${extension} files as datasets.`, hint: WHAT_TO_USE };
  }
  // Text formats hold no NUL bytes in their first kilobytes; a binary file of an unknown kind does.
  if (extension !== 'parquet' && extension !== 'pq' && head.subarray(0, 4096).includes(0) && !isParquet(head)) {
    return { message: `${fileName} is a binary file, not text: it cannot be a JSON Lines, JSON, CSV or text dataset.`, hint: WHAT_TO_USE };
  }
  return undefined;
}

/** Reads the first bytes of a File and checks them. */
export async function checkDatasetFile(file: File): Promise<FileProblem | undefined> {
  const head = new Uint8Array(await file.slice(0, 4096).arrayBuffer());
  return datasetFileProblem(file.name, head);
}

function isParquet(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
}
