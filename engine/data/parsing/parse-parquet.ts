import { parquetReadObjects } from 'hyparquet';
import { SafeTuneError } from '../../errors';
import { isPlainObject, type ParsedFile } from './parsed-file';

/**
 * Parquet, as the Hugging Face Hub publishes datasets (pyarrow, snappy-compressed): every column, every row group,
 * read in memory by hyparquet. Lists and structs come back as arrays and objects, so a "messages" column of
 * list<struct<role, content>> reads like the JSON rows. Parquet has no lines: rows are named by 1-based row number.
 */
export async function parseParquet(bytes: Uint8Array, fileName: string): Promise<ParsedFile> {
  // hyparquet reads an ArrayBuffer (or range-readable AsyncBuffer); copy only when `bytes` is a view into a larger one.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  const file = whole ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
  let objects: Record<string, unknown>[];
  try {
    objects = await parquetReadObjects({ file, rowFormat: 'object' });
  } catch (e) {
    throw unreadable(fileName, e);
  }
  const parsed: ParsedFile = { fileName, fileType: 'parquet', rows: [], rejected: [] };
  objects.forEach((fields, i) => {
    const source = { file: fileName, line: i + 1, unit: 'row' as const };
    if (isPlainObject(fields)) parsed.rows.push({ fields, source });
    else parsed.rejected.push({ source, reason: 'is not a record of named columns' });
  });
  return parsed;
}

function unreadable(fileName: string, e: unknown): SafeTuneError {
  const detail = e instanceof Error ? e.message : String(e);
  const codec = /compress|codec/i.test(detail);
  return new SafeTuneError(
    'bad-dataset',
    `${fileName} is not a Parquet file SafeTune can read: ${detail.slice(0, 200)}.`,
    codec
      ? 'SafeTune reads uncompressed and snappy-compressed Parquet (the Hub default). Re-save it with snappy (pandas: ' +
          "df.to_parquet(path, compression='snappy')) or export the rows as JSON Lines."
      : 'The file may be truncated or not Parquet at all: download it again, or export the rows as JSON Lines.',
  );
}
