import { parquetMetadata, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';
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
    // geoparquet: false — its schema walk trusts each element's num_children, and a negative count loops forever.
    const metadata = parquetMetadata(file, { geoparquet: false });
    checkSchemaShape(metadata);
    checkColumnPaths(metadata);
    objects = await parquetReadObjects({ file, metadata, rowFormat: 'object' });
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

/**
 * The footer's schema is a flattened tree: each element says how many children follow it. Every walk of it (ours,
 * hyparquet's) trusts those counts, so a damaged one (negative, fractional, or past the end of the list) is refused
 * here, before anything walks it: a negative count made hyparquet's own walk loop forever on a 317-byte file.
 */
function checkSchemaShape(metadata: FileMetaData): void {
  const { schema } = metadata;
  if (!Array.isArray(schema) || schema.length === 0) throw new Error('the footer has no schema');
  for (const [i, element] of schema.entries()) {
    const children = element.num_children ?? 0;
    if (!Number.isInteger(children) || children < 0 || children > schema.length - 1 - i) {
      throw new Error(`schema element ${i} claims ${String(children).slice(0, 20)} children, but ${schema.length - 1 - i} elements follow it`);
    }
  }
}

/**
 * Every column chunk must name a leaf of the file's schema. hyparquet starts reading each chunk at once but only
 * awaits the chunks its schema walk reaches: a damaged chunk path (say "m5ssages" for "messages") is read, fails,
 * and its rejection escapes as an unhandled one after our clean error. Checked first, it is one clean error.
 */
function checkColumnPaths(metadata: FileMetaData): void {
  const root = parquetSchema(metadata);
  for (const [g, group] of metadata.row_groups.entries()) {
    for (const chunk of group.columns) {
      const path = chunk.meta_data?.path_in_schema ?? [];
      let node = root;
      for (const name of path) {
        const child = node.children.find((c) => c.element.name === name);
        if (child === undefined) throw new Error(`row group ${g} has a column "${path.join('.').slice(0, 80)}" that the schema does not define`);
        node = child;
      }
      if (path.length === 0 || node.children.length > 0) {
        throw new Error(`row group ${g} has a column "${path.join('.').slice(0, 80)}" that is not a leaf of the schema`);
      }
    }
  }
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
