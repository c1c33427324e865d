import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryByteCache } from '../../engine/weights/byte-cache';
import { HubFiles } from '../../engine/weights/hub-files';
import { parseContentRange } from '../../engine/weights/hub-errors';
import { readAll } from './helpers/hub-reads';

/**
 * A hub that misbehaves on resumed downloads. The files carry no SHA-256 (their ETag is not one, as for non-LFS files
 * or behind a proxy that drops it), so only the 206's own headers can tell whether its bytes continue the kept ones.
 */
const FILE = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff);
const KEPT = 2000;
const ETAG = '"v1"';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let endpoint: string;
let handler: Handler;
let requests: { range: string | undefined; ifRange: string | undefined }[];

beforeEach(async () => {
  requests = [];
  server = createServer((req, res) => {
    requests.push({ range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function send(res: ServerResponse, status: number, body: Uint8Array, headers: Record<string, string>): void {
  res.writeHead(status, headers);
  res.end(Buffer.from(body));
}

/** Answers a Range request with `misbehave`, a plain GET with the whole, correct file. */
function resumeWith(misbehave: Handler): Handler {
  return (req, res) => (req.headers.range === undefined ? send(res, 200, FILE, { etag: ETAG }) : misbehave(req, res));
}

/** Loads model.safetensors with the first KEPT bytes already kept as a partial download. */
async function loadWithKeptPartial(options: { maxAttempts?: number } = {}) {
  const cache = new MemoryByteCache();
  const files = new HubFiles('o/m', { endpoint, cache, retryDelayMs: 1, maxAttempts: options.maxAttempts ?? 3 });
  const url = files.fileUrl('model.safetensors');
  await cache.putPartial(url, { bytes: FILE.slice(0, KEPT), totalBytes: FILE.length, etag: ETAG });
  const bytes = await readAll(files, 'model.safetensors');
  return { bytes, cached: await cache.get(url), partial: await cache.getPartial(url) };
}

async function expectRefusedThenWhole(options: { maxAttempts?: number } = {}): Promise<void> {
  const { bytes, cached, partial } = await loadWithKeptPartial(options);
  expect(bytes.length).toBe(FILE.length);
  expect(bytes).toEqual(FILE);
  expect(cached).toEqual(FILE);
  expect(partial).toBeUndefined();
  expect(requests.map((r) => r.range)).toEqual([`bytes=${KEPT}-`, undefined]);
  expect(requests[0]!.ifRange).toBe(ETAG);
}

describe('HubFiles: a 206 that does not continue the kept bytes is refused', () => {
  it('accepts a consistent 206 and appends it (the control case)', async () => {
    handler = resumeWith((_req, res) =>
      send(res, 206, FILE.slice(KEPT), { etag: ETAG, 'content-range': `bytes ${KEPT}-${FILE.length - 1}/${FILE.length}` }),
    );
    const { bytes, cached } = await loadWithKeptPartial();
    expect(bytes).toEqual(FILE);
    expect(cached).toEqual(FILE);
    expect(requests.map((r) => r.range)).toEqual([`bytes=${KEPT}-`]);
  });

  it('206 without Content-Range (and the whole file as body): starts over', async () => {
    handler = resumeWith((_req, res) => send(res, 206, FILE, { etag: ETAG }));
    await expectRefusedThenWhole();
  });

  it('206 with an unparseable Content-Range: starts over', async () => {
    handler = resumeWith((_req, res) => send(res, 206, FILE.slice(KEPT), { etag: ETAG, 'content-range': `bytes ${KEPT}-/${FILE.length}` }));
    await expectRefusedThenWhole();
  });

  it('206 whose total disagrees with the kept bytes (bytes 2000-2999/3000 for a 4096-byte file): starts over', async () => {
    handler = resumeWith((_req, res) => send(res, 206, FILE.slice(KEPT, 3000), { etag: ETAG, 'content-range': `bytes ${KEPT}-2999/3000` }));
    await expectRefusedThenWhole();
  });

  it('206 that stops short of the end of the file (end + 1 is not the total): starts over', async () => {
    handler = resumeWith((_req, res) => send(res, 206, FILE.slice(KEPT, 3000), { etag: ETAG, 'content-range': `bytes ${KEPT}-2999/${FILE.length}` }));
    await expectRefusedThenWhole();
  });

  it('206 whose start is not the kept length: starts over', async () => {
    handler = resumeWith((_req, res) => send(res, 206, FILE.slice(1000), { etag: ETAG, 'content-range': `bytes 1000-${FILE.length - 1}/${FILE.length}` }));
    await expectRefusedThenWhole();
  });

  it('206 with another ETag than the If-Range sent (If-Range ignored, file changed): starts over with the new file', async () => {
    const v2 = FILE.map((b) => b ^ 0x55);
    handler = (req, res) =>
      req.headers.range === undefined
        ? send(res, 200, v2, { etag: '"v2"' })
        : send(res, 206, v2.slice(KEPT), { etag: '"v2"', 'content-range': `bytes ${KEPT}-${FILE.length - 1}/${FILE.length}` });
    const cache = new MemoryByteCache();
    const files = new HubFiles('o/m', { endpoint, cache, retryDelayMs: 1 });
    await cache.putPartial(files.fileUrl('model.safetensors'), { bytes: FILE.slice(0, KEPT), totalBytes: FILE.length, etag: ETAG });
    expect(await readAll(files, 'model.safetensors')).toEqual(v2); // not FILE's prefix spliced onto v2's rest
    expect(requests.map((r) => r.range)).toEqual([`bytes=${KEPT}-`, undefined]);
  });

  it('206 whose body runs past the total (no Content-Length): never accepts more bytes than the file has', async () => {
    handler = resumeWith((_req, res) => {
      res.writeHead(206, { etag: ETAG, 'content-range': `bytes ${KEPT}-${FILE.length - 1}/${FILE.length}` }); // chunked
      res.write(Buffer.from(FILE.slice(KEPT)));
      res.end(Buffer.from(new Uint8Array(500)));
    });
    await expectRefusedThenWhole();
  });

  it('the refusal costs no attempt: even maxAttempts 1 recovers with the whole file', async () => {
    handler = resumeWith((_req, res) => send(res, 206, FILE, { etag: ETAG }));
    await expectRefusedThenWhole({ maxAttempts: 1 });
  });
});

describe('parseContentRange', () => {
  it('keeps start, end and total; rejects malformed or inconsistent ranges', () => {
    expect(parseContentRange('bytes 2000-4095/4096')).toEqual({ start: 2000, end: 4095, total: 4096 });
    expect(parseContentRange('bytes 0-9/*')).toEqual({ start: 0, end: 9, total: undefined });
    expect(parseContentRange(null)).toBeUndefined();
    expect(parseContentRange('bytes 2000-/4096')).toBeUndefined();
    expect(parseContentRange('bytes 10-5/4096')).toBeUndefined(); // end before start
    expect(parseContentRange('bytes 0-4096/4096')).toBeUndefined(); // end past the last byte
    expect(parseContentRange('bytes */4096')).toBeUndefined();
  });
});

/**
 * A whole file in the cache was used as it was found: an entry cut short (a write that failed half-way) or altered
 * loaded as the model's file. It is checked against the size and SHA-256 stored with it, and downloaded again when it
 * does not match.
 */
describe('HubFiles: a cached file is checked against what was stored before it is used', () => {
  async function cachedOnce() {
    handler = (_req, res) => send(res, 200, FILE, { etag: ETAG });
    const cache = new MemoryByteCache();
    const url = new HubFiles('o/m', { endpoint, cache }).fileUrl('model.safetensors');
    expect(await readAll(new HubFiles('o/m', { endpoint, cache }), 'model.safetensors')).toEqual(FILE);
    return { cache, url, again: () => readAll(new HubFiles('o/m', { endpoint, cache, retryDelayMs: 1, maxAttempts: 1 }), 'model.safetensors') };
  }

  it('an intact entry is used without a request (the control case), and stored with its size and SHA-256', async () => {
    const { cache, url, again } = await cachedOnce();
    expect(await cache.info(url)).toEqual({ size: FILE.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await again()).toEqual(FILE);
    expect(requests).toHaveLength(1);
  });

  it('an entry cut short is downloaded again, and replaced', async () => {
    const { cache, url, again } = await cachedOnce();
    await cache.put(url, FILE.slice(0, 1000), await cache.info(url));
    expect(await again()).toEqual(FILE);
    expect(requests).toHaveLength(2);
    expect(await cache.get(url)).toEqual(FILE);
  });

  it('an entry of the right size with other bytes is downloaded again', async () => {
    const { cache, url, again } = await cachedOnce();
    const stored = (await cache.get(url))!; // the memory cache hands out its own bytes
    stored[100] = stored[100]! ^ 0xff;
    expect(await again()).toEqual(FILE);
    expect(requests).toHaveLength(2);
  });

  it('an entry stored without its size and SHA-256 (an older SafeTune) is used as found, with the hub unreachable too', async () => {
    const { cache, url, again } = await cachedOnce();
    await cache.put(url, FILE);
    expect(await cache.info(url)).toBeUndefined();
    handler = (_req, res) => send(res, 503, new Uint8Array(), {});
    expect(await again()).toEqual(FILE);
    expect(requests).toHaveLength(1);
  });

  it('a damaged entry while the hub cannot be reached fails naming the file, not loading the damaged bytes', async () => {
    const { cache, url, again } = await cachedOnce();
    await cache.put(url, FILE.slice(0, 1000), await cache.info(url));
    handler = (_req, res) => send(res, 503, new Uint8Array(), {});
    await expect(again()).rejects.toThrow(/^could not download model\.safetensors of hub repo o\/m from .* after 1 attempt: HTTP 503$/);
  });
});
