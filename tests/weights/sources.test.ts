import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteSourceFromFile, DirectoryFiles } from '../../node-host/fs-files';
import { SafeTuneError } from '../../engine/errors';
import { BlobFiles } from '../../engine/weights/blob-files';
import { byteSourceFromBlob, byteSourceFromBytes, byteSourceFromResponse } from '../../engine/weights/byte-sources';
import { openWeightShards } from '../../engine/weights/weight-shards';
import { FetchFiles } from '../../engine/weights/fetch-files';
import { MemoryFiles } from '../../engine/weights/memory-files';
import { writeShardedCheckpoint } from '../../engine/weights/safetensors-writer';
import { TestHubServer } from './helpers/hub-server';

const enc = (s: string) => new TextEncoder().encode(s);
const DATA = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff);

async function caught(promise: Promise<unknown>): Promise<SafeTuneError> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(SafeTuneError);
  return e as SafeTuneError;
}

/** A body delivered in the given chunks, optionally failing after them. */
function chunkedBody(chunks: Uint8Array[], failAfter = false): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (failAfter) controller.error(new TypeError('terminated'));
      else controller.close();
    },
  });
}

describe('byteSourceFromBytes / byteSourceFromBlob', () => {
  it('read ranges of bytes and ArrayBuffers, rejecting reads outside the file', async () => {
    for (const src of [byteSourceFromBytes('a.bin', DATA), byteSourceFromBytes('a.bin', DATA.slice().buffer)]) {
      expect(src.size).toBe(1000);
      expect(await src.read(10, 5)).toEqual(DATA.subarray(10, 15));
      expect(await src.read(1000, 0)).toEqual(new Uint8Array(0));
      const e = await caught(src.read(998, 5));
      expect(e.code).toBe('bad-argument');
      expect(e.message).toContain('a.bin');
      expect((await caught(src.read(-1, 1))).code).toBe('bad-argument');
    }
  });

  it('reads a Blob by slicing just the asked range', async () => {
    class CountingBlob extends Blob {
      readonly slices: [number | undefined, number | undefined][] = [];
      override slice(start?: number, end?: number, type?: string): Blob {
        this.slices.push([start, end]);
        return super.slice(start, end, type);
      }
    }
    const blob = new CountingBlob([DATA]);
    const src = byteSourceFromBlob('file.safetensors', blob);
    expect(await src.read(100, 20)).toEqual(DATA.subarray(100, 120));
    expect(blob.slices).toEqual([[100, 120]]);
    expect((await caught(src.read(990, 20))).code).toBe('bad-argument');
  });
});

describe('byteSourceFromResponse', () => {
  it('streams into one preallocated buffer when Content-Length is known, reporting progress', async () => {
    const response = new Response(chunkedBody([DATA.subarray(0, 300), DATA.subarray(300, 700), DATA.subarray(700)]), {
      headers: { 'content-length': '1000' },
    });
    const progress: [number, number | undefined][] = [];
    const src = await byteSourceFromResponse('w.bin', response, (loaded, total) => progress.push([loaded, total]));
    const all = await src.read(0, src.size);
    expect(all).toEqual(DATA);
    expect(all.buffer.byteLength).toBe(1000); // the file is held once, in a buffer of exactly its size
    expect(progress).toEqual([
      [300, 1000],
      [700, 1000],
      [1000, 1000],
    ]);
  });

  it('collects chunks when the length is unknown or wrong (a compressed body is longer than announced)', async () => {
    const unknown = await byteSourceFromResponse('a.bin', new Response(chunkedBody([DATA.subarray(0, 10), DATA.subarray(10)])));
    expect(await unknown.read(0, unknown.size)).toEqual(DATA);
    const longer = await byteSourceFromResponse('b.bin', new Response(chunkedBody([DATA.subarray(0, 600), DATA.subarray(600)]), { headers: { 'content-length': '100' } }));
    expect(await longer.read(0, longer.size)).toEqual(DATA);
  });

  it('turns a broken body or an error status into a network error naming the file', async () => {
    const broken = await caught(byteSourceFromResponse('w.bin', new Response(chunkedBody([DATA.subarray(0, 50)], true))));
    expect(broken.code).toBe('network');
    expect(broken.message).toContain('w.bin');
    expect(broken.message).toContain('after 50 bytes');
    const status = await caught(byteSourceFromResponse('w.bin', new Response('nope', { status: 500 })));
    expect(status.message).toContain('HTTP 500');
  });
});

describe('MemoryFiles and BlobFiles', () => {
  it('MemoryFiles serves bytes and blobs, lists them, and names missing files', async () => {
    const files = new MemoryFiles({ 'config.json': enc('{"a":1}'), 'w.bin': new Blob([DATA]) }, 'bundled demo');
    expect(await files.has('config.json')).toBe(true);
    expect(await files.has('nope.json')).toBe(false);
    expect(await files.text('config.json')).toBe('{"a":1}');
    expect(await (await files.open('w.bin')).read(5, 3)).toEqual(DATA.subarray(5, 8));
    expect(await files.list()).toEqual(['config.json', 'w.bin']);
    const missing = await caught(files.open('tokenizer.json'));
    expect(missing.code).toBe('missing-file');
    expect(missing.message).toBe('bundled demo has no file tokenizer.json');
    expect((await caught(files.has('../up'))).code).toBe('bad-argument');
    expect((await caught(files.has('/abs'))).code).toBe('bad-argument');
  });

  it('text() refuses invalid UTF-8 instead of guessing, and drops a BOM', async () => {
    const files = new MemoryFiles({ 'bad.json': new Uint8Array([0x7b, 0xff, 0x7d]), 'bom.json': new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]) });
    const e = await caught(files.text('bad.json'));
    expect(e.code).toBe('bad-config');
    expect(e.message).toContain('bad.json');
    expect(await files.text('bom.json')).toBe('{}');
  });

  it('BlobFiles places picked files by webkitRelativePath minus the top folder, or by name', async () => {
    const picked = (relative: string, body: string) => {
      const file = new File([body], relative.split('/').at(-1)!);
      Object.defineProperty(file, 'webkitRelativePath', { value: relative });
      return file;
    };
    const files = new BlobFiles([picked('my-model/config.json', '{}'), picked('my-model/onnx/model.onnx', 'x')]);
    expect(files.description).toBe('local folder my-model');
    expect(await files.list()).toEqual(['config.json', 'onnx/model.onnx']);
    expect(await files.text('config.json')).toBe('{}');

    const dropped = new BlobFiles([new File(['{"d":1}'], 'config.json'), { path: 'sub/x.txt', blob: new Blob(['x']) }]);
    expect(dropped.description).toBe('picked files');
    expect(await dropped.text('config.json')).toBe('{"d":1}');
    expect(await dropped.has('sub/x.txt')).toBe(true);

    expect(() => new BlobFiles([picked('a/config.json', '{}'), picked('b/config.json', '{}')])).toThrow(/two picked files would both be config.json/);
  });
});

describe('FetchFiles (real HTTP on 127.0.0.1)', () => {
  let server: TestHubServer;
  beforeAll(async () => {
    server = await TestHubServer.start();
    server.addStatic('demo/config.json', enc('{"demo":true}'), 'application/json');
    server.addStatic('demo/model.bin', DATA);
  });
  afterAll(async () => {
    await server.close();
  });

  it('fetches files under the base URL, with progress', async () => {
    const progress: number[] = [];
    const files = new FetchFiles(`${server.endpoint}/static/demo`, { description: 'bundled demo', onProgress: (_, loaded) => progress.push(loaded) });
    expect(await files.has('config.json')).toBe(true);
    expect(await files.has('missing.json')).toBe(false);
    expect(await files.text('config.json')).toBe('{"demo":true}');
    const src = await files.open('model.bin');
    expect(await src.read(0, src.size)).toEqual(DATA);
    expect(progress.at(-1)).toBe(1000);
    const e = await caught(files.open('missing.json'));
    expect(e.code).toBe('missing-file');
    expect(e.message).toBe('bundled demo has no file missing.json');
  });

  it("treats a dev server's index.html fallback as a missing file", async () => {
    const files = new FetchFiles(`${server.endpoint}/spa/demo/`);
    expect(await files.has('config.json')).toBe(true); // a real file is still served as itself
    expect(await files.has('tokenizer.json')).toBe(false);
    expect((await caught(files.open('model.safetensors'))).code).toBe('missing-file');
  });

  it('reports an unreachable server as a network error naming the URL', async () => {
    const down = await TestHubServer.start();
    const endpoint = down.endpoint;
    await down.close();
    const e = await caught(new FetchFiles(`${endpoint}/static`).open('config.json'));
    expect(e.code).toBe('network');
    expect(e.message).toContain(`${endpoint}/static/config.json`);
  });
});

describe('byteSourceFromFile and DirectoryFiles (Node)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safetune-weights-'));
    await writeFile(join(dir, 'config.json'), '{"x": 1}');
    await writeFile(join(dir, 'data.bin'), DATA);
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'nested.txt'), 'n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads ranges at offsets without loading the file, and rejects reads past the end', async () => {
    const src = await byteSourceFromFile(join(dir, 'data.bin'));
    expect(src.size).toBe(1000);
    expect(await src.read(500, 100)).toEqual(DATA.subarray(500, 600));
    expect((await caught(src.read(950, 100))).code).toBe('bad-argument');
    const missing = await caught(byteSourceFromFile(join(dir, 'nope.bin')));
    expect(missing.code).toBe('missing-file');
    expect(missing.message).toContain('nope.bin');
  });

  it('DirectoryFiles answers has/open/text/list for the folder', async () => {
    const files = new DirectoryFiles(dir);
    expect(files.description).toBe(`local folder ${dir}`);
    expect(await files.has('config.json')).toBe(true);
    expect(await files.has('sub')).toBe(false); // a folder is not a file
    expect(await files.has('nope.json')).toBe(false);
    expect(await files.text('config.json')).toBe('{"x": 1}');
    expect(await (await files.open('sub/nested.txt')).read(0, 1)).toEqual(enc('n'));
    expect(await files.list()).toEqual(['config.json', 'data.bin', 'sub/nested.txt']);
    expect((await caught(files.text('nope.json'))).code).toBe('missing-file');
    expect((await caught(files.open('../etc/passwd'))).code).toBe('bad-argument');
  });

  it('openWeightShards reads a sharded checkpoint written to disk', async () => {
    const model = join(dir, 'model');
    await mkdir(model);
    const tensors = [
      { name: 'x', dtype: 'F32' as const, shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      { name: 'y', dtype: 'BF16' as const, shape: [3], data: new Float32Array([1.5, 2.5, -3]) },
    ];
    for (const [name, bytes] of writeShardedCheckpoint(tensors, 8).files) await writeFile(join(model, name), bytes);
    const ckpt = await openWeightShards(new DirectoryFiles(model));
    expect(ckpt.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(Array.from((await ckpt.read('y')).data)).toEqual([1.5, 2.5, -3]);
    expect((await ckpt.read('x')).shape).toEqual([2, 2]);
  });
});
