/**
 * A minimal Parquet writer for test fixtures: hyparquet only reads, hyparquet-writer is not a dependency, and no
 * Parquet file ships in node_modules. It writes what pyarrow writes for small Hub datasets, minus what hyparquet does
 * not need: one row group, one v1 data page per column, PLAIN values, RLE levels, uncompressed or snappy (literal-only
 * snappy blocks, which every snappy decoder accepts). Format: https://parquet.apache.org/docs/file-format/ — footer
 * structs in Thrift's compact protocol.
 */

/** A schema node: a leaf column (string or int64) or a group. */
export interface SchemaNode {
  name: string;
  repetition: 'required' | 'optional' | 'repeated';
  leaf?: 'string' | 'int64';
  list?: boolean; // the LIST converted type on a group
  children?: SchemaNode[];
}

/** One leaf column's data as Dremel levels: one entry per level pair, values only where def == maxDef. */
export interface LeafData {
  path: string[];
  defLevels: number[];
  repLevels: number[];
  values: (string | bigint)[];
}

export interface ParquetFixture {
  schema: SchemaNode[];
  columns: LeafData[];
  numRows: number;
  codec?: 'uncompressed' | 'snappy';
}

export function writeParquet({ schema, columns, numRows, codec = 'uncompressed' }: ParquetFixture): Uint8Array {
  const out = new ByteWriter();
  out.bytes(MAGIC);
  const chunks: Field[][] = [];
  for (const column of columns) {
    const leaf = findLeaf(schema, column.path);
    const page = pageBody(column, leaf);
    const stored = codec === 'snappy' ? snappyLiteral(page) : page;
    const header = struct([
      [1, i32(0)], // DATA_PAGE
      [2, i32(page.length)],
      [3, i32(stored.length)],
      [5, structValue([
        [1, i32(column.defLevels.length)],
        [2, i32(0)], // PLAIN
        [3, i32(3)], // RLE
        [4, i32(3)], // RLE
      ])],
    ]);
    const offset = out.length;
    out.bytes(header);
    out.bytes(stored);
    const size = header.length + stored.length;
    chunks.push([
      [2, i64(offset)],
      [3, structValue([
        [1, i32(leaf.node.leaf === 'int64' ? 2 : 6)], // INT64 | BYTE_ARRAY
        [2, list('i32', [i32(0), i32(3)])],
        [3, list('binary', column.path.map(binary))],
        [4, i32(codec === 'snappy' ? 1 : 0)],
        [5, i64(column.defLevels.length)],
        [6, i64(header.length + page.length)],
        [7, i64(size)],
        [9, i64(offset)],
      ])],
    ]);
  }
  const footer = struct([
    [1, i32(1)],
    [2, list('struct', schemaElements(schema).map(structValue))],
    [3, i64(numRows)],
    [4, list('struct', [structValue([
      [1, list('struct', chunks.map(structValue))],
      [2, i64(out.length)],
      [3, i64(numRows)],
    ])])],
  ]);
  out.bytes(footer);
  out.u32(footer.length);
  out.bytes(MAGIC);
  return out.finish();
}

/** Flat optional string columns from rows of strings (null = missing value). */
export function flatStringColumns(names: string[], rows: (string | null)[][]): ParquetFixture {
  return {
    schema: names.map((name) => ({ name, repetition: 'optional', leaf: 'string' })),
    columns: names.map((name, c) => ({
      path: [name],
      defLevels: rows.map((row) => (row[c] === null ? 0 : 1)),
      repLevels: rows.map(() => 0),
      values: rows.flatMap((row) => (row[c] === null ? [] : [row[c]!])),
    })),
    numRows: rows.length,
  };
}

/**
 * A `messages` column as pyarrow writes list<struct<role: string, content: string>>:
 * optional group messages (LIST) { repeated group list { optional group element { optional binary role (UTF8);
 * optional binary content (UTF8); } } }.
 */
export function messagesColumn(rows: ({ role: string; content: string }[] | null)[]): ParquetFixture {
  const schema: SchemaNode[] = [{
    name: 'messages',
    repetition: 'optional',
    list: true,
    children: [{
      name: 'list',
      repetition: 'repeated',
      children: [{
        name: 'element',
        repetition: 'optional',
        children: [
          { name: 'role', repetition: 'optional', leaf: 'string' },
          { name: 'content', repetition: 'optional', leaf: 'string' },
        ],
      }],
    }],
  }];
  const leaf = (key: 'role' | 'content'): LeafData => {
    const data: LeafData = { path: ['messages', 'list', 'element', key], defLevels: [], repLevels: [], values: [] };
    for (const row of rows) {
      if (row === null || row.length === 0) {
        data.defLevels.push(row === null ? 0 : 1); // null list | empty list
        data.repLevels.push(0);
        continue;
      }
      row.forEach((message, j) => {
        data.defLevels.push(4);
        data.repLevels.push(j === 0 ? 0 : 1);
        data.values.push(message[key]);
      });
    }
    return data;
  };
  return { schema, columns: [leaf('role'), leaf('content')], numRows: rows.length };
}

const MAGIC = new TextEncoder().encode('PAR1');

interface LeafInfo {
  node: SchemaNode;
  maxDef: number;
  maxRep: number;
}

function findLeaf(schema: SchemaNode[], path: string[]): LeafInfo {
  let nodes = schema;
  let maxDef = 0;
  let maxRep = 0;
  let node: SchemaNode | undefined;
  for (const name of path) {
    node = nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no schema node ${path.join('.')}`);
    if (node.repetition !== 'required') maxDef++;
    if (node.repetition === 'repeated') maxRep++;
    nodes = node.children ?? [];
  }
  return { node: node!, maxDef, maxRep };
}

function pageBody(column: LeafData, { node, maxDef, maxRep }: LeafInfo): Uint8Array {
  const out = new ByteWriter();
  if (maxRep > 0) out.lengthPrefixed(rleLevels(column.repLevels, maxRep));
  if (maxDef > 0) out.lengthPrefixed(rleLevels(column.defLevels, maxDef));
  for (const value of column.values) {
    if (node.leaf === 'int64') out.i64(value as bigint);
    else out.lengthPrefixed(new TextEncoder().encode(value as string));
  }
  return out.finish();
}

/** RLE/bit-packed hybrid with RLE runs only: varint(run << 1), then the value in ceil(bitWidth / 8) bytes. */
function rleLevels(levels: number[], maxLevel: number): Uint8Array {
  const width = Math.ceil(Math.ceil(Math.log2(maxLevel + 1)) / 8);
  const out = new ByteWriter();
  for (let i = 0; i < levels.length; ) {
    let run = 1;
    while (i + run < levels.length && levels[i + run] === levels[i]) run++;
    out.varint(run << 1);
    for (let b = 0; b < width; b++) out.byte((levels[i]! >> (8 * b)) & 0xff);
    i += run;
  }
  return out.finish();
}

/** Snappy with literal elements only: varint(length), then literals of at most 64 KiB. */
function snappyLiteral(data: Uint8Array): Uint8Array {
  const out = new ByteWriter();
  out.varint(data.length);
  for (let at = 0; at < data.length; at += 65536) {
    const chunk = data.subarray(at, at + 65536);
    const n = chunk.length - 1;
    if (n < 60) out.byte(n << 2);
    else if (n < 256) out.byte(60 << 2).byte(n);
    else out.byte(61 << 2).byte(n & 0xff).byte(n >> 8);
    out.bytes(chunk);
  }
  return out.finish();
}

// --- Thrift compact protocol -------------------------------------------------------------------------------------

type Value =
  | { type: 'i32'; value: number }
  | { type: 'i64'; value: number }
  | { type: 'binary'; value: Uint8Array }
  | { type: 'list'; element: 'i32' | 'binary' | 'struct'; items: Value[] }
  | { type: 'struct'; fields: Field[] };
type Field = [id: number, value: Value];

const i32 = (value: number): Value => ({ type: 'i32', value });
const i64 = (value: number): Value => ({ type: 'i64', value });
const binary = (text: string): Value => ({ type: 'binary', value: new TextEncoder().encode(text) });
const list = (element: 'i32' | 'binary' | 'struct', items: Value[]): Value => ({ type: 'list', element, items });
const structValue = (fields: Field[]): Value => ({ type: 'struct', fields });

const TYPE_IDS = { i32: 5, i64: 6, binary: 8, list: 9, struct: 12 } as const;

function struct(fields: Field[]): Uint8Array {
  const out = new ByteWriter();
  writeStruct(out, fields);
  return out.finish();
}

function writeStruct(out: ByteWriter, fields: Field[]): void {
  let last = 0;
  for (const [id, value] of fields) {
    const delta = id - last;
    if (delta > 0 && delta <= 15) out.byte((delta << 4) | TYPE_IDS[value.type]);
    else out.byte(TYPE_IDS[value.type]).zigzag(id);
    writeValue(out, value);
    last = id;
  }
  out.byte(0); // STOP
}

function writeValue(out: ByteWriter, v: Value): void {
  switch (v.type) {
    case 'i32':
    case 'i64':
      out.zigzag(v.value);
      return;
    case 'binary':
      out.varint(v.value.length);
      out.bytes(v.value);
      return;
    case 'list':
      if (v.items.length < 15) out.byte((v.items.length << 4) | TYPE_IDS[v.element]);
      else out.byte(0xf0 | TYPE_IDS[v.element]).varint(v.items.length);
      for (const item of v.items) writeValue(out, item);
      return;
    case 'struct':
      writeStruct(out, v.fields);
  }
}

function schemaElements(schema: SchemaNode[]): Field[][] {
  const elements: Field[][] = [[[4, binary('schema')], [5, i32(schema.length)]]];
  const visit = (node: SchemaNode) => {
    const fields: Field[] = [];
    if (node.leaf !== undefined) fields.push([1, i32(node.leaf === 'int64' ? 2 : 6)]);
    fields.push([3, i32({ required: 0, optional: 1, repeated: 2 }[node.repetition])]);
    fields.push([4, binary(node.name)]);
    if (node.children !== undefined) fields.push([5, i32(node.children.length)]);
    if (node.leaf === 'string') fields.push([6, i32(0)]); // UTF8
    else if (node.list === true) fields.push([6, i32(3)]); // LIST
    elements.push(fields);
    node.children?.forEach(visit);
  };
  schema.forEach(visit);
  return elements;
}

class ByteWriter {
  private readonly chunks: number[] = [];

  get length(): number {
    return this.chunks.length;
  }

  byte(b: number): this {
    this.chunks.push(b & 0xff);
    return this;
  }

  bytes(data: Uint8Array): this {
    for (const b of data) this.chunks.push(b);
    return this;
  }

  varint(n: number): this {
    let v = n;
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    return this.byte(v);
  }

  zigzag(n: number): this {
    return this.varint(n >= 0 ? 2 * n : -2 * n - 1);
  }

  u32(n: number): this {
    return this.byte(n).byte(n >> 8).byte(n >> 16).byte(n >> 24);
  }

  i64(n: bigint): this {
    for (let b = 0n; b < 8n; b++) this.byte(Number((BigInt.asUintN(64, n) >> (8n * b)) & 0xffn));
    return this;
  }

  lengthPrefixed(data: Uint8Array): this {
    return this.u32(data.length).bytes(data);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}
